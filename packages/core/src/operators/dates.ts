/**
 * Instants for the `before`/`after` operators: epoch milliseconds, or an ISO 8601 string that
 * is either a calendar date (`2025-03-01`, midnight UTC) or a date-time with an explicit zone
 * (`2025-03-01T09:30:00Z`, `2025-03-01T09:30:00.250+01:00`). A date-time without a zone is
 * rejected, because its meaning would depend on the machine's time zone.
 */

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2}))?$/;

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * Parses an ISO 8601 string as described above into epoch milliseconds, or `undefined`.
 *
 * @example
 * parseIsoInstant('2025-03-01T00:00:00+01:00'); // 1740783600000
 */
export function parseIsoInstant(text: string): number | undefined {
  if (text.length > 40) return undefined;
  const m = ISO_DATE.exec(text);
  if (m === null) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (m[4] === undefined) return Date.UTC(year, month - 1, day);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  const millis = m[7] === undefined ? 0 : Math.floor(Number(`0.${m[7]}`) * 1000 + 1e-6);
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  let offset = 0;
  const zone = m[8]!;
  if (zone !== 'Z') {
    const zoneHours = Number(zone.slice(1, 3));
    const zoneMinutes = Number(zone.slice(4, 6));
    if (zoneHours > 23 || zoneMinutes > 59) return undefined;
    offset = (zone[0] === '-' ? -1 : 1) * (zoneHours * 60 + zoneMinutes) * 60_000;
  }
  return Date.UTC(year, month - 1, day, hour, minute, second, millis) - offset;
}

/**
 * An instant as epoch milliseconds: a finite number is taken as epoch ms, a string is parsed
 * with {@link parseIsoInstant}; anything else is `undefined`.
 *
 * @example
 * toInstant(1740787200000);  // 1740787200000
 * toInstant('2025-03-01');   // 1740787200000
 * toInstant('next tuesday'); // undefined
 */
export function toInstant(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string') return parseIsoInstant(value);
  return undefined;
}
