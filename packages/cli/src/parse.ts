import { InvalidArgumentError } from 'commander';

/**
 * Argument parsers for commander: each one checks a value before anything is sent, so that a typo
 * is a usage error (exit 2) with a sentence that says what is wrong, not a round trip to the server.
 */

const namePattern = /^[a-z0-9][a-z0-9-]{0,62}$/;
const versionPattern = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$/;
const labelPattern = /^[a-z0-9][a-z0-9._-]{0,62}$/;
const digestPattern = /^(sha256|sha384|sha512):[a-f0-9]{64,128}$/;
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function check(pattern: RegExp, what: string) {
  return (value: string): string => {
    if (!pattern.test(value)) throw new InvalidArgumentError(what);
    return value;
  };
}

/** Services and environments: lower-case letters, digits and dashes. */
export const name = check(namePattern, 'Use lower-case letters, digits and dashes (at most 63 characters), starting with a letter or digit.');
export const version = check(versionPattern, 'A version is letters, digits and . _ + - (at most 128 characters), e.g. 1.4.2, 2024.06.01 or a commit hash.');
export const label = check(labelPattern, 'A label is lower-case letters, digits and . _ - (at most 63 characters), e.g. candidate or stable.');
export const digest = check(digestPattern, 'A digest is algorithm:hex, e.g. sha256: followed by 64 hex digits.');
export const uuid = check(uuidPattern, 'A token id is a UUID, as `gantry token list` shows it.');

export function nonEmpty(value: string): string {
  if (value.trim() === '') throw new InvalidArgumentError('It must not be empty.');
  return value;
}

export function positiveInteger(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('It must be a positive whole number.');
  return n;
}

/** Appends repeated options (`--change a --change b`) into a list. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** `--metadata key=value`, repeatable; the last value of a key wins. */
export function keyValue(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const at = value.indexOf('=');
  if (at < 1) throw new InvalidArgumentError('Use key=value, e.g. --metadata team=payments.');
  const key = value.slice(0, at);
  if (key.length > 100) throw new InvalidArgumentError('A metadata key has at most 100 characters.');
  return { ...previous, [key]: value.slice(at + 1) };
}

const units: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * A point in time: an ISO 8601 date or date-time (`2025-07-01`, `2025-07-01T18:00:00Z`; local time
 * when no zone is given), `now`, or a duration such as `30m`, `2h`, `1d12h`. A bare duration
 * counts towards the direction the option looks (`--until 2h` is two hours from now, `--since 2h`
 * two hours ago); a sign (`+2h`, `-2h`) says it explicitly.
 */
export function parseTime(text: string, direction: 'future' | 'past', now = Date.now()): string {
  const value = text.trim();
  if (value === 'now') return new Date(now).toISOString();
  const duration = /^([+-])?((?:\d+[smhdw])+)$/.exec(value);
  if (duration) {
    let ms = 0;
    for (const [, amount, unit] of duration[2]!.matchAll(/(\d+)([smhdw])/g)) ms += Number(amount) * units[unit!]!;
    const sign = duration[1] === '-' || (duration[1] === undefined && direction === 'past') ? -1 : 1;
    return new Date(now + sign * ms).toISOString();
  }
  if (/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/i.test(value)) {
    const date = new Date(value.length === 10 ? `${value}T00:00:00Z` : value.replace(' ', 'T'));
    if (!Number.isNaN(date.getTime())) return date.toISOString();
  }
  throw new InvalidArgumentError('Use an ISO 8601 time (2025-07-01T18:00:00Z), a date (2025-07-01), `now`, or a duration (30m, 2h, 1d).');
}

export const futureTime = (value: string): string => parseTime(value, 'future');
export const pastTime = (value: string): string => parseTime(value, 'past');
