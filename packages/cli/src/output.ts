/** Output for people (tables, relative times) and for tools (`--json`: the API's JSON, nothing else). */

/** Primary output: what a script captures. */
export function out(text = ''): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

/** Commentary for the person at the terminal; never mixed into what `$(…)` captures. */
export function note(text: string): void {
  process.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
}

export function printJson(value: unknown): void {
  out(JSON.stringify(value, null, 2));
}

const width = (text: string) => [...text].length;
const pad = (text: string, n: number) => text + ' '.repeat(Math.max(0, n - width(text)));

/**
 * Aligned columns, two spaces apart. A cell may hold several lines; `spaced` puts an empty line
 * between rows, for tables whose rows are several lines tall.
 */
export function table(headers: string[], rows: (string | number | null | undefined)[][], options: { spaced?: boolean } = {}): string {
  const cells = rows.map((row) => headers.map((_, i) => String(row[i] ?? '').split('\n')));
  const widths = headers.map((h, i) => Math.max(width(h), ...cells.map((row) => Math.max(...row[i]!.map(width)))));
  const line = (parts: string[]) => parts.map((p, i) => (i === parts.length - 1 ? p : pad(p, widths[i]!))).join('  ').trimEnd();
  const lines = [line(headers)];
  cells.forEach((row, r) => {
    if (options.spaced && r > 0) lines.push('');
    const height = Math.max(...row.map((c) => c.length));
    for (let k = 0; k < height; k++) lines.push(line(row.map((c) => c[k] ?? '')));
  });
  return lines.join('\n');
}

/** `key  value` pairs, aligned; pairs whose value is null or undefined are left out. */
export function details(pairs: [string, string | number | null | undefined][]): string {
  const shown = pairs.filter((p): p is [string, string | number] => p[1] !== null && p[1] !== undefined && p[1] !== '');
  const keyWidth = Math.max(0, ...shown.map(([k]) => width(k)));
  return shown.map(([k, v]) => {
    const [first = '', ...rest] = String(v).split('\n');
    return [`${pad(k, keyWidth)}  ${first}`, ...rest.map((l) => `${' '.repeat(keyWidth + 2)}${l}`)].join('\n');
  }).join('\n');
}

/** "just now", "42s ago", "3m ago", "5h ago", "2d ago", or "in 3s", "in 3h" for times ahead. */
export function relativeTime(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '';
  const ms = now - new Date(iso).getTime();
  if (!Number.isFinite(ms)) return iso;
  const ahead = ms < 0;
  const s = Math.round(Math.abs(ms) / 1000);
  if (s < 5) return ahead && s > 0 ? `in ${s}s` : 'just now';
  const text = s < 60 ? `${s}s` : s < 3600 ? `${Math.floor(s / 60)}m` : s < 86_400 ? `${Math.floor(s / 3600)}h` : s < 86_400 * 60 ? `${Math.floor(s / 86_400)}d` : '';
  if (!text) return iso.slice(0, 10);
  return ahead ? `in ${text}` : `${text} ago`;
}

/** A time for people: relative, with the exact UTC time beside it. */
export function when(iso: string | null | undefined): string | undefined {
  if (!iso) return undefined;
  return `${relativeTime(iso)} (${iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z')})`;
}

/** `sha256:0123456789ab…` */
export function shortDigest(digest: string): string {
  const [algorithm, hex = ''] = digest.split(':');
  return hex.length > 12 ? `${algorithm}:${hex.slice(0, 12)}…` : digest;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
