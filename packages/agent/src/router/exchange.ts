import type { IncomingMessage } from 'node:http';
import { ResponseParser, type ResponseHead } from './http1-response.js';
import type { Connection, ConnectionUser, PoolEntry } from './pool.js';

/** How the request body travels upstream: none, as-is under its Content-Length, or re-chunked. */
export type BodyMode = 'none' | 'length' | 'chunked';

/** What an exchange tells the request it serves. */
export interface ExchangeHandler {
  head(head: ResponseHead): void;
  /** A piece of the decoded response body; return false to pause the upstream until `resume()`. */
  body(chunk: Buffer): boolean;
  end(): void;
  /**
   * The exchange failed. `replayable` is true when the upstream cannot have seen the request:
   * the connection was refused, or a reused keep-alive connection closed before any answer.
   */
  fail(err: NodeJS.ErrnoException, replayable: boolean): void;
}

const CRLF = Buffer.from('\r\n');
const LAST_CHUNK = Buffer.from('0\r\n\r\n');

function upstreamError(message: string, code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code });
}

/** One request and its response over one pooled upstream connection. */
export class Exchange implements ConnectionUser {
  private connection: Connection | undefined;
  private readonly cancelWait: () => void;
  private readonly parser: ResponseParser;
  private requestSent = false;
  private answered = false;
  private responseDone = false;
  private settled = false;
  private keepAliveHintMs: number | undefined;
  private onReqData: ((chunk: Buffer) => void) | undefined;
  private onReqEnd: (() => void) | undefined;

  constructor(
    private readonly entry: PoolEntry,
    private readonly head: string,
    private readonly req: IncomingMessage,
    private readonly bodyMode: BodyMode,
    private readonly handler: ExchangeHandler,
  ) {
    this.parser = new ResponseParser(
      {
        head: (h) => {
          this.keepAliveHintMs = h.keepAliveHintMs;
          handler.head(h);
        },
        body: (chunk) => {
          if (!handler.body(chunk)) this.connection?.socket.pause();
        },
        done: () => (this.responseDone = true),
      },
      req.method === 'HEAD',
    );
    this.cancelWait = entry.acquire((connection) => this.start(connection));
  }

  /** The client is ready for more of the response. */
  resume(): void {
    this.connection?.socket.resume();
  }

  /** The client went away: drop the connection (it is mid-exchange, so not reusable). */
  abort(): void {
    if (this.settled) return;
    this.settled = true;
    this.cancelWait();
    this.detachRequest();
    if (this.connection) this.entry.release(this.connection, false);
  }

  onData(chunk: Buffer): void {
    if (this.settled) return;
    this.answered = true;
    try {
      this.parser.execute(chunk);
    } catch (err) {
      this.fail(err as NodeJS.ErrnoException);
      return;
    }
    if (this.responseDone) this.complete();
  }

  onEnd(): void {
    if (this.settled) return;
    if (!this.answered) {
      this.fail(upstreamError('upstream closed the connection before answering', 'ECONNRESET'));
      return;
    }
    try {
      this.parser.end();
    } catch (err) {
      this.fail(err as NodeJS.ErrnoException);
      return;
    }
    this.complete();
  }

  onError(err: NodeJS.ErrnoException): void {
    this.fail(err);
  }

  onClose(): void {
    this.fail(upstreamError('upstream closed the connection', 'ECONNRESET'));
  }

  onTimeout(): void {
    this.fail(upstreamError('upstream timed out', 'UPSTREAM_TIMEOUT'));
  }

  onDrain(): void {
    this.req.resume();
  }

  private start(connection: Connection): void {
    if (this.settled) {
      this.entry.release(connection, !connection.socket.destroyed);
      return;
    }
    this.connection = connection;
    connection.user = this;
    const socket = connection.socket;
    if (this.bodyMode === 'none') {
      socket.write(this.head);
      this.requestSent = true;
      return;
    }
    socket.write(this.head);
    const chunked = this.bodyMode === 'chunked';
    this.onReqData = (chunk: Buffer) => {
      let ok: boolean;
      if (chunked) {
        socket.cork();
        socket.write(chunk.length.toString(16) + '\r\n');
        socket.write(chunk);
        ok = socket.write(CRLF);
        socket.uncork();
      } else ok = socket.write(chunk);
      if (!ok) this.req.pause();
    };
    this.onReqEnd = () => {
      if (chunked) socket.write(LAST_CHUNK);
      this.requestSent = true;
    };
    this.req.on('data', this.onReqData);
    this.req.once('end', this.onReqEnd);
  }

  private complete(): void {
    if (this.settled) return;
    this.settled = true;
    const connection = this.connection as Connection;
    // A response that ends before its request was sent leaves the connection mid-request.
    const reusable = this.parser.keepAlive && this.requestSent;
    this.detachRequest();
    if (this.keepAliveHintMs !== undefined) connection.idleTimeoutMs = Math.max(0, Math.min(connection.idleTimeoutMs, this.keepAliveHintMs - 1000));
    connection.socket.resume();
    this.entry.release(connection, reusable && connection.idleTimeoutMs > 0);
    this.handler.end();
  }

  private fail(err: NodeJS.ErrnoException): void {
    if (this.settled) return;
    this.settled = true;
    this.detachRequest();
    const connection = this.connection;
    const code = err.code;
    const replayable = code === 'ECONNREFUSED' || (!this.answered && connection !== undefined && connection.reused && (code === 'ECONNRESET' || code === 'EPIPE'));
    if (connection) this.entry.release(connection, false);
    this.handler.fail(err, replayable);
  }

  private detachRequest(): void {
    if (this.onReqData) this.req.off('data', this.onReqData);
    if (this.onReqEnd) this.req.off('end', this.onReqEnd);
    this.onReqData = this.onReqEnd = undefined;
  }
}
