import { stableStringify } from './hash.js';
import { GantryWebError, type EvaluationContext, type FlagErrorCode } from './types.js';

/** One flag of a bulk answer: a served value, or the error the server gave for it. */
export type FlagEntry =
  | { readonly value: unknown; readonly variant: string | undefined; readonly reason: string; readonly metadata: Readonly<Record<string, string | number | boolean>> | undefined }
  | { readonly errorCode: FlagErrorCode; readonly errorDetails: string | undefined };

export type FlagSet = ReadonlyMap<string, FlagEntry>;

export type BulkOutcome =
  | { readonly kind: 'changed'; readonly flags: FlagSet; readonly etag: string | undefined }
  | { readonly kind: 'unchanged' };

const KNOWN_CODES: ReadonlySet<string> = new Set<FlagErrorCode>([
  'FLAG_NOT_FOUND', 'TYPE_MISMATCH', 'TARGETING_KEY_MISSING', 'PARSE_ERROR', 'INVALID_CONTEXT', 'PROVIDER_NOT_READY', 'GENERAL',
]);

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

function parseMetadata(raw: unknown): Record<string, string | number | boolean> | undefined {
  if (!isRecord(raw)) return undefined;
  const out: Record<string, string | number | boolean> = {};
  let any = false;
  for (const [k, v] of Object.entries(raw)) {
    if (typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v))) {
      out[k] = v;
      any = true;
    }
  }
  return any ? Object.freeze(out) : undefined;
}

/**
 * Reads the `flags` list of an OFREP bulk answer (or of a cache entry, which stores the same
 * list). Returns undefined when it is not a list; entries without a key are skipped, entries with a
 * key but neither a value nor an error code become PARSE_ERROR for that key. Never throws.
 */
export function parseFlags(raw: unknown): FlagSet | undefined {
  if (!Array.isArray(raw)) return undefined;
  const flags = new Map<string, FlagEntry>();
  for (const item of raw) {
    if (!isRecord(item) || typeof item.key !== 'string' || item.key === '') continue;
    if (typeof item.errorCode === 'string') {
      const code = KNOWN_CODES.has(item.errorCode) ? item.errorCode as FlagErrorCode : 'GENERAL';
      flags.set(item.key, { errorCode: code, errorDetails: typeof item.errorDetails === 'string' ? item.errorDetails : undefined });
    } else if ('value' in item && item.value !== undefined) {
      flags.set(item.key, {
        value: deepFreeze(item.value),
        variant: typeof item.variant === 'string' ? item.variant : undefined,
        reason: typeof item.reason === 'string' ? item.reason : 'UNKNOWN',
        metadata: parseMetadata(item.metadata),
      });
    } else {
      flags.set(item.key, { errorCode: 'PARSE_ERROR', errorDetails: 'the server sent neither a value nor an error code' });
    }
  }
  return flags;
}

/** Keys whose entry differs between two evaluations (added and removed keys included). */
export function changedKeys(before: FlagSet | undefined, after: FlagSet): string[] {
  const keys: string[] = [];
  for (const [key, entry] of after) {
    const old = before?.get(key);
    if (!old || stableStringify(old) !== stableStringify(entry)) keys.push(key);
  }
  for (const key of before?.keys() ?? []) if (!after.has(key)) keys.push(key);
  return keys;
}
/** The inverse of {@link parseFlags}
: the OFREP list, for storage. */
export function flagsToWire(flags: FlagSet): unknown[] {
  return [...flags].map(([key, entry]) => ('errorCode' in entry
    ? { key, errorCode: entry.errorCode, errorDetails: entry.errorDetails }
    : { key, value: entry.value, variant: entry.variant, reason: entry.reason, metadata: entry.metadata }));
}

function retryAfter(res: Response): number | undefined {
  const raw = res.headers.get('retry-after');
  if (!raw) return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(raw);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

export interface BulkRequest {
  readonly baseUrl: string;
  readonly token: string;
  readonly context: EvaluationContext;
  readonly etag: string | undefined;
  readonly timeoutMs: number;
  readonly fetch: typeof globalThis.fetch;
  /** Aborts the request when the caller no longer wants the answer (context changed, closed). */
  readonly signal: AbortSignal;
}

/**
 * `POST /ofrep/v1/evaluate/flags` for one context. Resolves with the parsed flags, or `unchanged`
 * on a 304; rejects with a {@link GantryWebError} for everything else.
 */
export async function fetchBulk(req: BulkRequest): Promise<BulkOutcome> {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, req.timeoutMs);
  const onAbort = () => controller.abort();
  req.signal.addEventListener('abort', onAbort);
  try {
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${req.token}` };
    if (req.etag) headers['if-none-match'] = req.etag;
    let res: Response;
    try {
      res = await req.fetch(`${req.baseUrl}/ofrep/v1/evaluate/flags`, { method: 'POST', headers, body: JSON.stringify({ context: req.context }), signal: controller.signal });
    } catch (cause) {
      if (req.signal.aborted) throw new GantryWebError('CLOSED', 'the request was cancelled', { cause });
      if (timedOut) throw new GantryWebError('TIMEOUT', `no answer from ${req.baseUrl} within ${req.timeoutMs} ms`, { cause });
      throw new GantryWebError('NETWORK', `cannot reach ${req.baseUrl}`, { cause });
    }
    if (res.status === 304) return { kind: 'unchanged' };
    let body: unknown;
    try {
      const text = await res.text();
      body = text ? JSON.parse(text) : undefined;
    } catch (cause) {
      if (req.signal.aborted) throw new GantryWebError('CLOSED', 'the request was cancelled', { cause });
      if (timedOut) throw new GantryWebError('TIMEOUT', `no complete answer from ${req.baseUrl} within ${req.timeoutMs} ms`, { cause });
      if (res.ok) throw new GantryWebError('PARSE_ERROR', 'the bulk evaluation answer is not JSON', { status: res.status, cause });
    }
    const detail = isRecord(body) ? (typeof body.errorDetails === 'string' ? body.errorDetails : typeof body.detail === 'string' ? body.detail : undefined) : undefined;
    if (res.status === 401 || res.status === 403) {
      throw new GantryWebError('UNAUTHORIZED', `the server refused the token (${res.status})${detail ? `: ${detail}` : ''}`, { status: res.status });
    }
    if (res.status === 400) throw new GantryWebError('INVALID_CONTEXT', `the server refused the context${detail ? `: ${detail}` : ''}`, { status: 400 });
    if (!res.ok) {
      const wait = retryAfter(res);
      throw new GantryWebError('HTTP', `bulk evaluation failed with ${res.status}${detail ? `: ${detail}` : ''}`, { status: res.status, ...(wait === undefined ? {} : { retryAfterMs: wait }) });
    }
    const flags = isRecord(body) ? parseFlags(body.flags) : undefined;
    if (!flags) throw new GantryWebError('PARSE_ERROR', 'the bulk evaluation answer has no flags list', { status: res.status });
    return { kind: 'changed', flags, etag: res.headers.get('etag') ?? undefined };
  } finally {
    clearTimeout(timer);
    req.signal.removeEventListener('abort', onAbort);
  }
}
