import { describeError, GantryError } from './errors.js';
import type { ResolvedOptions } from './options.js';

/** A signal that aborts when `parent` does or after `timeoutMs`; call `done()` to clear its timer. */
export function deadline(parent: AbortSignal, timeoutMs: number): { signal: AbortSignal; done: () => void } {
  const controller = new AbortController();
  const abort = () => controller.abort(parent.reason);
  if (parent.aborted) abort();
  else parent.addEventListener('abort', abort, { once: true });
  const timer = setTimeout(() => controller.abort(new GantryError('network', `no answer within ${timeoutMs} ms`)), timeoutMs);
  return {
    signal: controller.signal,
    done: () => {
      clearTimeout(timer);
      parent.removeEventListener('abort', abort);
    },
  };
}

/** The delay a 429 or 503 answer asks for (`Retry-After` in seconds or as a date), bounded to 5 minutes. */
export function retryAfterMs(response: Response): number | undefined {
  const header = response.headers.get('retry-after');
  if (!header) return undefined;
  const seconds = Number(header);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - Date.now();
  return Number.isFinite(ms) ? Math.min(Math.max(ms, 0), 300_000) : undefined;
}

/** The error for an answer that is not what was asked for; 401 and 403 are `unauthorized`. */
export async function errorFromResponse(response: Response, what: string): Promise<GantryError> {
  let detail = '';
  try {
    const text = (await response.text()).slice(0, 500);
    try {
      const problem = JSON.parse(text) as { detail?: unknown; title?: unknown };
      detail = String(problem.detail ?? problem.title ?? text);
    } catch {
      detail = text;
    }
  } catch {
    // the body is not needed
  }
  const suffix = detail ? `: ${detail}` : '';
  if (response.status === 401 || response.status === 403) {
    return new GantryError('unauthorized', `${what} was refused with ${response.status}${suffix}; the token must be a valid sdk-server:<environment> token`, response.status);
  }
  return new GantryError('http', `${what} answered ${response.status}${suffix}`, response.status);
}

export function networkError(what: string, error: unknown): GantryError {
  if (error instanceof GantryError) return error;
  return new GantryError('network', `${what} failed: ${describeError(error)}`, undefined, { cause: error });
}

/** The headers every request carries. */
export function authHeaders(options: ResolvedOptions): Record<string, string> {
  return { authorization: `Bearer ${options.token}` };
}

/**
 * Headers of the occasional requests (polls, event reports). Their intervals are longer than
 * any keep-alive timeout, so a kept-alive socket would never be reused; closing it at once
 * leaves nothing open after `close()`.
 */
export function oneShotHeaders(options: ResolvedOptions): Record<string, string> {
  return { ...authHeaders(options), connection: 'close' };
}
