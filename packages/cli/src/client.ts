import { ApiError, NetworkError } from './errors.js';

export type Query = Record<string, string | number | boolean | undefined>;

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** A thin client over the REST API under /api/v1: JSON in, JSON out, problems become ApiError. */
export interface Client {
  readonly baseUrl: string;
  get<T>(path: string, query?: Query): Promise<T>;
  post<T>(path: string, body?: unknown): Promise<T>;
  put<T>(path: string, body?: unknown): Promise<T>;
  patch<T>(path: string, body: unknown): Promise<T>;
  delete<T>(path: string): Promise<T>;
  /** The status of the last response, for verbs that tell 200 from 201. */
  lastStatus(): number;
  /** The ETag of the last response, for verbs that show the revision to send in If-Match. */
  lastEtag(): string | null;
  /** Follows `nextCursor` until `limit` items are collected or the pages run out. */
  collect<T>(path: string, query: Query, limit: number, pageSize?: number): Promise<Page<T>>;
}

export interface ClientOptions {
  url: string;
  token: string | undefined;
  /** Per request; the server answers in milliseconds, so a long wait means it is stuck. */
  timeoutMs?: number;
}

/** Builds `/a/b` from segments, escaping each one (build ids may hold `/` and `:`). */
export function path(...segments: (string | number)[]): string {
  return segments.map((s) => `/${encodeURIComponent(String(s))}`).join('');
}

export function createClient({ url, token, timeoutMs = 30_000 }: ClientOptions): Client {
  const baseUrl = url.replace(/\/+$/, '');
  let status = 0;
  let etag: string | null = null;

  async function request<T>(method: string, route: string, options: { query?: Query; body?: unknown } = {}): Promise<T> {
    const target = new URL(`${baseUrl}/api/v1${route}`);
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) target.searchParams.set(key, String(value));
    }
    const headers: Record<string, string> = { accept: 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(target, {
        method, headers,
        ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw new NetworkError(`cannot reach Gantry at ${baseUrl}: ${describeFetchError(error, timeoutMs)}`);
    }
    status = response.status;
    etag = response.headers.get('etag');
    const text = await response.text().catch(() => '');
    const parsed = parseJson(text);
    if (!response.ok) throw toApiError(response, parsed, text, baseUrl);
    if (response.status === 204 || text === '') return undefined as T;
    if (parsed === undefined) {
      throw new NetworkError(`${baseUrl} answered ${method} ${route} with something that is not JSON; is GANTRY_URL the Gantry server?`);
    }
    return parsed as T;
  }

  return {
    baseUrl,
    get: (route, query) => request('GET', route, query ? { query } : {}),
    post: (route, body) => request('POST', route, { body: body ?? {} }),
    put: (route, body) => request('PUT', route, { body: body ?? {} }),
    patch: (route, body) => request('PATCH', route, { body }),
    delete: (route) => request('DELETE', route),
    lastStatus: () => status,
    lastEtag: () => etag,
    async collect<T>(route: string, query: Query, limit: number, pageSize = 500) {
      const items: T[] = [];
      let cursor: string | undefined;
      let next: string | null = null;
      do {
        const page: Page<T> = await request<Page<T>>('GET', route, {
          query: { ...query, limit: Math.min(pageSize, limit - items.length), cursor },
        });
        items.push(...page.items);
        next = page.nextCursor;
        cursor = next ?? undefined;
      } while (cursor !== undefined && items.length < limit);
      return { items: items.slice(0, limit), nextCursor: next };
    },
  };
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function toApiError(response: Response, parsed: unknown, text: string, baseUrl: string): ApiError {
  if (parsed && typeof parsed === 'object' && typeof (parsed as { code?: unknown }).code === 'string') {
    const problem = parsed as Record<string, unknown> & { code: string; detail?: unknown; title?: unknown };
    const detail = typeof problem.detail === 'string' ? problem.detail : typeof problem.title === 'string' ? problem.title : `HTTP ${response.status}`;
    return new ApiError(response.status, problem.code, detail, problem);
  }
  // Not a Gantry problem: a proxy's error page, or another server at this address.
  const snippet = text.replace(/\s+/g, ' ').trim().slice(0, 200);
  const detail = `${baseUrl} answered HTTP ${response.status} ${response.statusText}${snippet ? `: ${snippet}` : ''}`;
  return new ApiError(response.status, `http_${response.status}`, detail, { status: response.status, detail });
}

function describeFetchError(error: unknown, timeoutMs: number): string {
  if (error instanceof DOMException && error.name === 'TimeoutError') return `no answer within ${Math.round(timeoutMs / 1000)} s`;
  const cause = (error as { cause?: { code?: string; message?: string } } | undefined)?.cause;
  if (cause?.message) return cause.message;
  if (cause?.code) return cause.code;
  return error instanceof Error ? error.message : String(error);
}
