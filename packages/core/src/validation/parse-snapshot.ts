import type { EnvironmentSnapshot } from '../model/snapshot.js';
import type { Problem } from './problem.js';
import { validateSnapshot } from './validate-snapshot.js';

/** The outcome of {@link parseSnapshot}: a valid snapshot, or the problems that prevent it. */
export type ParseSnapshotResult =
  | { readonly ok: true; readonly snapshot: EnvironmentSnapshot }
  | { readonly ok: false; readonly problems: readonly Problem[] };

/**
 * Turns untrusted input (a parsed JSON value, or JSON text) into a valid snapshot, or returns
 * the problems. Never throws. Unknown fields are kept and ignored, so older SDKs accept
 * snapshots from newer servers.
 *
 * @example
 * const parsed = parseSnapshot(await response.text());
 * if (parsed.ok) engine = compileSnapshot(parsed.snapshot);
 * else console.warn(parsed.problems);
 */
export function parseSnapshot(input: unknown): ParseSnapshotResult {
  let value = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch (error) {
      return { ok: false, problems: [{ path: '', message: `not valid JSON: ${error instanceof Error ? error.message : String(error)}` }] };
    }
  }
  const problems = validateSnapshot(value);
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, snapshot: value as EnvironmentSnapshot };
}
