/** Limits that keep a misbehaving upstream from growing the router's memory. */
export const MAX_HEAD_BYTES = 64 * 1024;
const MAX_LINE_BYTES = 8 * 1024;

export class UpstreamProtocolError extends Error {
  readonly code = 'UPSTREAM_PROTOCOL_ERROR';
}

export interface ResponseHead {
  status: number;
  reason: string;
  /** Flat `[name, value, …]` as received. */
  rawHeaders: string[];
  /** Whether the connection may carry another request after this response. */
  keepAlive: boolean;
  /** The upstream's `Keep-Alive: timeout=N` hint in ms, if any. */
  keepAliveHintMs: number | undefined;
}

export interface ResponseEvents {
  head(head: ResponseHead): void;
  body(chunk: Buffer): void;
  done(): void;
}

const enum State {
  Head,
  Fixed,
  ChunkSize,
  ChunkData,
  ChunkDataEnd,
  Trailers,
  UntilClose,
  Done,
}

/** Header lines, each `token ":" value CRLF`, with no NUL and no bare CR or LF: checked in one pass. */
const HEADER_LINES = /^(?:[!#$%&'*+.^_`|~0-9A-Za-z-]+:[^\r\n\0]*\r\n)*$/;
const STATUS_LINE = /^HTTP\/1\.([01]) (\d{3})(?: ([^\r\n]*))?$/;
const CRLF = Buffer.from('\r\n');
const CRLFCRLF = Buffer.from('\r\n\r\n');

/**
 * An incremental HTTP/1.1 response parser: status line and headers, then the body framed by
 * Content-Length, chunked coding (decoded) or the connection's end. Interim 1xx responses are
 * skipped. Strict: ambiguous framing (conflicting Content-Length, obs-fold) is an error.
 */
export class ResponseParser {
  private state = State.Head;
  private pending: Buffer | undefined;
  private remaining = 0;
  private reusable = true;

  constructor(
    private readonly events: ResponseEvents,
    private readonly headRequest: boolean,
  ) {}

  get done(): boolean {
    return this.state === State.Done;
  }

  /** Whether the response has started (a final head was parsed). */
  get started(): boolean {
    return this.state !== State.Head;
  }

  /** Bytes after the response's end make the connection unusable. */
  get keepAlive(): boolean {
    return this.reusable;
  }

  execute(input: Buffer): void {
    let data = this.pending ? Buffer.concat([this.pending, input]) : input;
    this.pending = undefined;
    while (data.length > 0) {
      switch (this.state) {
        case State.Head: {
          const end = data.indexOf(CRLFCRLF);
          if (end === -1) return this.keep(data, MAX_HEAD_BYTES, 'response head too large');
          this.parseHead(data.toString('latin1', 0, end));
          data = data.subarray(end + 4);
          break;
        }
        case State.Fixed: {
          const n = Math.min(this.remaining, data.length);
          this.remaining -= n;
          this.events.body(n === data.length ? data : data.subarray(0, n));
          data = data.subarray(n);
          if (this.remaining === 0) this.finish();
          break;
        }
        case State.ChunkSize: {
          const end = data.indexOf(CRLF);
          if (end === -1) return this.keep(data, MAX_LINE_BYTES, 'chunk size line too long');
          const line = data.toString('latin1', 0, end);
          const size = /^([0-9A-Fa-f]{1,12})[ \t]*(?:;.*)?$/.exec(line);
          if (!size) throw new UpstreamProtocolError('bad chunk size');
          this.remaining = parseInt(size[1] as string, 16);
          this.state = this.remaining === 0 ? State.Trailers : State.ChunkData;
          data = data.subarray(end + 2);
          break;
        }
        case State.ChunkData: {
          const n = Math.min(this.remaining, data.length);
          this.remaining -= n;
          this.events.body(n === data.length ? data : data.subarray(0, n));
          data = data.subarray(n);
          if (this.remaining === 0) this.state = State.ChunkDataEnd;
          break;
        }
        case State.ChunkDataEnd: {
          if (data.length < 2) return this.keep(data, 2, '');
          if (data[0] !== 13 || data[1] !== 10) throw new UpstreamProtocolError('chunk not followed by CRLF');
          this.state = State.ChunkSize;
          data = data.subarray(2);
          break;
        }
        case State.Trailers: {
          const end = data.indexOf(CRLF);
          if (end === -1) return this.keep(data, MAX_HEAD_BYTES, 'trailers too large');
          data = data.subarray(end + 2);
          if (end === 0) this.finish();
          break;
        }
        case State.UntilClose:
          this.events.body(data);
          return;
        case State.Done:
          this.reusable = false;
          return;
      }
    }
  }

  /** The upstream closed its side. Completes a close-delimited body; anything else was cut short. */
  end(): void {
    if (this.state === State.UntilClose) this.finish();
    else if (this.state !== State.Done) throw new UpstreamProtocolError(this.state === State.Head ? 'connection closed before a response' : 'response cut short');
  }

  private keep(data: Buffer, limit: number, message: string): void {
    if (data.length > limit) throw new UpstreamProtocolError(message);
    this.pending = Buffer.from(data);
  }

  private finish(): void {
    this.state = State.Done;
    this.events.done();
  }

  private parseHead(text: string): void {
    const firstEnd = text.indexOf('\r\n');
    const statusLine = STATUS_LINE.exec(firstEnd === -1 ? text : text.slice(0, firstEnd));
    if (!statusLine) throw new UpstreamProtocolError('bad status line');
    const fields = firstEnd === -1 ? '' : text.slice(firstEnd + 2) + '\r\n';
    if (!HEADER_LINES.test(fields)) throw new UpstreamProtocolError('bad header line');
    const minor = statusLine[1];
    const status = Number(statusLine[2]);
    const rawHeaders: string[] = [];
    let contentLength: number | undefined;
    let chunked = false;
    let transferEncoding = false;
    let close = minor === '0';
    let keepAliveHintMs: number | undefined;
    let at = 0;
    while (at < fields.length) {
      const end = fields.indexOf('\r\n', at);
      const colon = fields.indexOf(':', at);
      const name = fields.slice(at, colon);
      const value = fields.slice(colon + 1, end).trim();
      at = end + 2;
      rawHeaders.push(name, value);
      switch (name.length === 10 || name.length === 14 || name.length === 17 ? name.toLowerCase() : '') {
        case 'content-length': {
          if (!/^\d{1,15}$/.test(value)) throw new UpstreamProtocolError('bad content-length');
          const n = Number(value);
          if (contentLength !== undefined && contentLength !== n) throw new UpstreamProtocolError('conflicting content-length');
          contentLength = n;
          break;
        }
        case 'transfer-encoding':
          transferEncoding = true;
          chunked = value.toLowerCase().split(',').pop()?.trim() === 'chunked';
          break;
        case 'connection':
          for (const token of value.toLowerCase().split(',')) {
            const t = token.trim();
            if (t === 'close') close = true;
            else if (t === 'keep-alive' && minor === '0') close = false;
          }
          break;
        case 'keep-alive': {
          const hint = /timeout=(\d+)/i.exec(value);
          if (hint) keepAliveHintMs = Number(hint[1]) * 1000;
          break;
        }
      }
    }
    if (status < 200) {
      if (status === 101) throw new UpstreamProtocolError('unexpected 101 to a plain request');
      return; // interim response (100 Continue, 103 Early Hints): the final one follows
    }
    if (transferEncoding && contentLength !== undefined) close = true;
    this.reusable = !close;
    this.events.head({ status, reason: statusLine[3] ?? '', rawHeaders, keepAlive: !close, keepAliveHintMs });
    if (this.headRequest || status === 204 || status === 304) this.finish();
    else if (transferEncoding) {
      if (chunked) this.state = State.ChunkSize;
      else {
        this.state = State.UntilClose;
        this.reusable = false;
      }
    } else if (contentLength !== undefined) {
      this.remaining = contentLength;
      if (contentLength === 0) this.finish();
      else this.state = State.Fixed;
    } else {
      this.state = State.UntilClose;
      this.reusable = false;
    }
  }
}
