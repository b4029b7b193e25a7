import { AgentError } from '../errors.js';
import type { ShippedLogLine, StatusReport } from './types.js';

/**
 * A call to the agents API failed. `httpStatus` is the answer's status (0: no answer at all);
 * `code` is the problem's `code`, or `server_unreachable` / `bad_response`.
 */
export class AgentApiError extends AgentError {
  constructor(
    code: string,
    message: string,
    readonly httpStatus: number,
  ) {
    super(code, message, httpStatus === 0 ? 503 : httpStatus);
  }

  /** 401/403: the token is wrong, revoked, or not an agent token; retrying fast will not help. */
  get refused(): boolean {
    return this.httpStatus === 401 || this.httpStatus === 403;
  }
}

export interface Registration {
  id: string;
  name: string;
  environment: string;
}

export type DesiredAnswer = { changed: true; body: unknown; etag: string | undefined } | { changed: false };

export interface ApiClient {
  register(input: { name: string; hostname: string; version: string }, signal?: AbortSignal): Promise<Registration>;
  desired(id: string, etag: string | undefined, waitSeconds: number, signal?: AbortSignal): Promise<DesiredAnswer>;
  status(id: string, report: StatusReport, signal?: AbortSignal): Promise<void>;
  logs(id: string, lines: ShippedLogLine[], signal?: AbortSignal): Promise<void>;
}

export interface ApiClientOptions {
  server: string;
  token: string;
  fetch: typeof fetch;
  /** Limit of a call that is not a long poll (default 15 000 ms). */
  requestTimeoutMs?: number;
}

/** The agent's side of the agents API (docs/agent-protocol.md). The token goes to the server and nowhere else. */
export function createApiClient(options: ApiClientOptions): ApiClient {
  const base = options.server.replace(/\/+$/, '');
  const requestTimeoutMs = options.requestTimeoutMs ?? 15_000;

  async function call(method: string, path: string, init: { body?: unknown; headers?: Record<string, string>; timeoutMs?: number; signal?: AbortSignal | undefined }): Promise<Response> {
    const timeout = AbortSignal.timeout(init.timeoutMs ?? requestTimeoutMs);
    const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    const headers: Record<string, string> = { authorization: `Bearer ${options.token}`, accept: 'application/json', ...init.headers };
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await options.fetch(`${base}${path}`, { method, headers, body: init.body === undefined ? undefined : JSON.stringify(init.body), signal });
    } catch (err) {
      const why = timeout.aborted ? `no answer within ${init.timeoutMs ?? requestTimeoutMs} ms` : describe(err);
      throw new AgentApiError('server_unreachable', `${method} ${path.replace(/\?.*$/, '')}: the server is unreachable (${why})`, 0);
    }
    if (response.status >= 400) throw await problemOf(method, path, response);
    return response;
  }

  async function json(method: string, path: string, response: Response): Promise<unknown> {
    try {
      return await response.json();
    } catch {
      throw new AgentApiError('bad_response', `${method} ${path}: the answer is not JSON`, response.status);
    }
  }

  return {
    async register(input, signal) {
      const response = await call('POST', '/api/v1/agents', { body: input, signal });
      const body = (await json('POST', '/api/v1/agents', response)) as Partial<Registration> | null;
      if (typeof body?.id !== 'string' || body.id === '') throw new AgentApiError('bad_response', 'POST /api/v1/agents: the answer has no id', response.status);
      return { id: body.id, name: String(body.name ?? input.name), environment: String(body.environment ?? '') };
    },
    async desired(id, etag, waitSeconds, signal) {
      const path = `/api/v1/agents/${encodeURIComponent(id)}/desired?waitSeconds=${waitSeconds}`;
      const response = await call('GET', path, {
        headers: etag ? { 'if-none-match': etag } : {},
        timeoutMs: waitSeconds * 1000 + requestTimeoutMs,
        signal,
      });
      if (response.status === 304) {
        await response.body?.cancel();
        return { changed: false };
      }
      return { changed: true, body: await json('GET', path, response), etag: response.headers.get('etag') ?? undefined };
    },
    async status(id, report, signal) {
      const response = await call('POST', `/api/v1/agents/${encodeURIComponent(id)}/status`, { body: report, signal });
      await response.body?.cancel();
    },
    async logs(id, lines, signal) {
      const response = await call('POST', `/api/v1/agents/${encodeURIComponent(id)}/logs`, { body: { lines }, signal });
      await response.body?.cancel();
    },
  };
}

async function problemOf(method: string, path: string, response: Response): Promise<AgentApiError> {
  let code = `http_${response.status}`;
  let detail = response.statusText || `status ${response.status}`;
  try {
    const body = (await response.json()) as { code?: unknown; detail?: unknown; title?: unknown };
    if (typeof body.code === 'string') code = body.code;
    if (typeof body.detail === 'string') detail = body.detail;
    else if (typeof body.title === 'string') detail = body.title;
  } catch {
    // not a problem document: keep the status line
  }
  return new AgentApiError(code, `${method} ${path.replace(/\?.*$/, '')}: ${response.status} ${detail}`, response.status);
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code && cause.message && !cause.message.includes(cause.code)) return `${cause.code}: ${cause.message}`;
  return cause?.message ?? cause?.code ?? err.message;
}
