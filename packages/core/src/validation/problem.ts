/**
 * A precise complaint about a piece of configuration: where (a JSON Pointer, RFC 6901, into the
 * validated document) and what is wrong.
 *
 * @example
 * const problem: Problem = { path: '/features/new-checkout/offVariation', message: 'variation 3 does not exist (2 variations)' };
 */
export interface Problem {
  readonly path: string;
  readonly message: string;
}

/**
 * Keys of features, segments and variations: they appear in URLs and in OFREP results.
 *
 * @example
 * KEY_PATTERN.test('new-checkout'); // true
 * KEY_PATTERN.test('new checkout'); // false
 */
export const KEY_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/**
 * Appends one segment to a JSON Pointer, escaping `~` and `/`.
 *
 * @example
 * childPath('/features', 'a/b'); // '/features/a~1b'
 */
export function childPath(path: string, segment: string | number): string {
  return `${path}/${String(segment).replace(/~/g, '~0').replace(/\//g, '~1')}`;
}

/** Collects problems while walking a document. */
export class ProblemCollector {
  readonly problems: Problem[] = [];

  add(path: string, message: string): void {
    this.problems.push({ path, message });
  }

  get count(): number {
    return this.problems.length;
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  return `${typeof value} ${String(value)}`;
}

/** Reads `record[field]` and checks it is an object; reports and returns `undefined` if not. */
export function requireRecord(
  record: Record<string, unknown>, field: string, path: string, out: ProblemCollector,
): Record<string, unknown> | undefined {
  const value = record[field];
  if (isRecord(value)) return value;
  out.add(childPath(path, field), `must be an object, got ${describe(value)}`);
  return undefined;
}

/** Checks an optional array field; reports and returns `undefined` when present but not an array. */
export function optionalArray(
  record: Record<string, unknown>, field: string, path: string, out: ProblemCollector,
): readonly unknown[] | undefined {
  const value = record[field];
  if (value === undefined) return [];
  if (Array.isArray(value)) return value;
  out.add(childPath(path, field), `must be an array when present, got ${describe(value)}`);
  return undefined;
}

/** Checks that a field is a string (optionally non-empty, optionally matching `KEY_PATTERN`). */
export function checkString(
  record: Record<string, unknown>, field: string, path: string, out: ProblemCollector,
  options: { optional?: boolean; key?: boolean; maxLength?: number } = {},
): string | undefined {
  const value = record[field];
  if (value === undefined && options.optional === true) return undefined;
  if (typeof value !== 'string') {
    out.add(childPath(path, field), `must be a string, got ${describe(value)}`);
    return undefined;
  }
  if (options.key === true && !KEY_PATTERN.test(value)) {
    out.add(childPath(path, field), `${JSON.stringify(value)} is not a valid key: 1 to 128 letters, digits, '.', '_' or '-', starting with a letter or digit`);
    return undefined;
  }
  if (options.maxLength !== undefined && value.length > options.maxLength) {
    out.add(childPath(path, field), `must be at most ${options.maxLength} characters`);
    return undefined;
  }
  return value;
}

/** Checks that a field is a variation index in `[0, count)`. */
export function checkVariationIndex(
  value: unknown, path: string, out: ProblemCollector, count: number,
): value is number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    out.add(path, `must be a variation index (an integer), got ${describe(value)}`);
    return false;
  }
  if (value < 0 || value >= count) {
    out.add(path, `variation ${value} does not exist (${count} variations)`);
    return false;
  }
  return true;
}
