import { request } from 'node:http';
import { connect } from 'node:net';

/** What one health probe saw. */
export interface ProbeResult {
  ok: boolean;
  /** HTTP status, when an HTTP answer came. */
  status?: number;
  /** Why the probe failed: `status 503`, `ECONNREFUSED`, `timeout after 1000 ms`… */
  detail: string;
  durationMs: number;
}

export interface ProbeTarget {
  host: string;
  port: number;
  /** HTTP path probed with GET (2xx/3xx is healthy); without one, a TCP connect is the probe. */
  path?: string;
  timeoutMs: number;
}

/** Probe an instance once: HTTP GET on `path`, or a TCP connect when no path is given. */
export function probe(target: ProbeTarget): Promise<ProbeResult> {
  return target.path === undefined ? probeTcp(target) : probeHttp(target as ProbeTarget & { path: string });
}

export function probeHttp({ host, port, path, timeoutMs }: ProbeTarget & { path: string }): Promise<ProbeResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  return new Promise((resolve) => {
    const req = request({ host, port, path, method: 'GET', agent: false, headers: { 'user-agent': 'gantry-agent-health', connection: 'close' } }, (res) => {
      res.resume();
      const status = res.statusCode ?? 0;
      const ok = status >= 200 && status < 400;
      res.on('end', () => resolve({ ok, status, detail: ok ? `status ${status}` : `status ${status}`, durationMs: elapsed() }));
      res.on('error', () => resolve({ ok: false, status, detail: 'response cut off', durationMs: elapsed() }));
    });
    req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error('timeout'), { code: `timeout after ${timeoutMs} ms` })));
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ ok: false, detail: err.code ?? err.message, durationMs: elapsed() }));
    req.end();
  });
}

export function probeTcp({ host, port, timeoutMs }: ProbeTarget): Promise<ProbeResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.setTimeout(timeoutMs, () => socket.destroy(Object.assign(new Error('timeout'), { code: `timeout after ${timeoutMs} ms` })));
    socket.once('connect', () => {
      socket.destroy();
      resolve({ ok: true, detail: 'connected', durationMs: elapsed() });
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve({ ok: false, detail: err.code ?? err.message, durationMs: elapsed() }));
  });
}
