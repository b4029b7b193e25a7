import type { ServerResponse } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { refetchFrame, type PublishedSnapshot, type SnapshotChange, type SnapshotService } from '../snapshots/service.js';

export type StreamMode = 'full' | 'revisions' | 'ofrep';

export interface StreamOptions {
  heartbeatMs: number;
  /** A client that lets this much pile up unread is cut off; it reconnects and gets a snapshot. */
  maxBufferedBytes: number;
}

const frame = (event: string, id: number, data: string) => `event: ${event}\nid: ${id}\ndata: ${data}\n\n`;

/**
 * A frame as one HTTP/1.1 chunk (size line, bytes, CRLF), built once per change and shared by every
 * stream: fan-out then costs one socket write per client instead of the response's three-part
 * chunk write. The response still owns the chunked body, so `end()` closes it properly.
 */
const chunks = new WeakMap<Buffer, Buffer>();
function asChunk(frameBytes: Buffer): Buffer {
  let chunk = chunks.get(frameBytes);
  if (!chunk) {
    chunk = Buffer.concat([Buffer.from(`${frameBytes.length.toString(16)}\r\n`), frameBytes, Buffer.from('\r\n')]);
    chunks.set(frameBytes, chunk);
  }
  return chunk;
}
const heartbeatFrame = Buffer.from(': heartbeat\n\n');

/** Writes a shared frame: straight to the socket as a ready-made chunk when the body is chunked, else through the response. */
function writeFrame(res: ServerResponse, frameBytes: Buffer): void {
  // `socket` is set only while this response owns the connection (not behind a pipelined one).
  const socket = res.socket;
  if (res.chunkedEncoding && res.headersSent && socket && !socket.destroyed) socket.write(asChunk(frameBytes));
  else res.write(frameBytes);
}

/**
 * One SDK's Server-Sent Events stream: the full snapshot on connect (unless Last-Event-ID shows
 * the client has the current revision already), then a patch per change, and heartbeats. In
 * `revisions` mode (for browsers with client tokens) only the new revision is sent, never rules;
 * in `ofrep` mode, OFREP's `refetchEvaluation` message (on connect unless Last-Event-ID is current).
 */
export function createStreamHub(snapshots: SnapshotService, options: StreamOptions) {
  const open = new Set<FastifyReply>();
  let closing = false;
  const heartbeat = setInterval(() => {
    for (const reply of open) writeFrame(reply.raw, heartbeatFrame);
  }, options.heartbeatMs);
  heartbeat.unref();

  return {
    get connections() {
      return open.size;
    },
    async serve(request: FastifyRequest, reply: FastifyReply, environment: string, mode: StreamMode = 'full'): Promise<void> {
      let sent = Number(request.headers['last-event-id']);
      let ready = false;
      const res = reply.raw;
      const sendSnapshot = (s: PublishedSnapshot) => {
        res.write(mode === 'full' ? frame('snapshot', s.revision, s.json) : mode === 'ofrep' ? refetchFrame(s) : frame('revision', s.revision, `{"revision":${s.revision}}`));
        sent = s.revision;
      };
      const onChange = (change: SnapshotChange) => {
        if (!ready || change.current.revision <= sent) return;
        if (res.writableLength > options.maxBufferedBytes) {
          res.destroy();
          return;
        }
        const frames = change.frames;
        writeFrame(res, mode === 'revisions' ? frames.revision : mode === 'ofrep' ? frames.refetch : change.patch.baseRevision === sent ? frames.patch : frames.snapshot);
        sent = change.current.revision;
      };
      // Subscribe before reading, so no change can fall between the read and the subscription.
      const unsubscribe = snapshots.subscribe(environment, onChange);
      let current: PublishedSnapshot;
      try {
        current = await snapshots.get(environment, { fresh: true });
      } catch (error) {
        unsubscribe();
        throw error;
      }
      if (closing) {
        // The server began shutting down while this stream was being set up.
        unsubscribe();
        return reply.status(503).send({ type: 'https://gantry.dev/problems/shutting_down', title: 'Service Unavailable', status: 503, code: 'shutting_down', detail: 'the server is shutting down; reconnect' } as never);
      }
      reply.hijack();
      res.writeHead(200, {
        // Headers other hooks set on the reply (CORS) still apply to a hijacked response.
        ...(reply.getHeaders() as Record<string, string>),
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
        // Clients judge a silent stream dead after a few missed heartbeats: tell them the interval.
        'x-gantry-heartbeat-ms': String(options.heartbeatMs),
        'x-request-id': String(request.id),
      });
      res.write('retry: 1000\n\n');
      if (sent !== current.revision) sendSnapshot(current);
      ready = true;
      // A change that landed while the first snapshot was being read was not sent yet.
      open.add(reply);
      const latest = await snapshots.get(environment);
      if (latest.revision > sent) sendSnapshot(latest);
      if (closing) res.end();
      const close = () => {
        unsubscribe();
        open.delete(reply);
      };
      res.on('close', close);
      res.on('error', close);
    },
    close(): void {
      closing = true;
      clearInterval(heartbeat);
      for (const reply of open) reply.raw.end();
      open.clear();
    },
  };
}

export type StreamHub = ReturnType<typeof createStreamHub>;
