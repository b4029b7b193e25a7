import type { Queryable } from '../db/database.js';

export const sdkEventStore = {
  async addEvaluationCounts(q: Queryable, environment: string, counts: { feature: string; variant: string; minute: Date; count: number }[]): Promise<void> {
    if (counts.length === 0) return;
    await q.query(
      `INSERT INTO evaluation_counts (environment, feature, variant, minute, count)
       SELECT $1, c.feature, c.variant, date_trunc('minute', c.minute), sum(c.count) FROM json_to_recordset($2) AS c(feature text, variant text, minute timestamptz, count bigint)
       GROUP BY c.feature, c.variant, date_trunc('minute', c.minute)
       ON CONFLICT (environment, feature, variant, minute) DO UPDATE SET count = evaluation_counts.count + EXCLUDED.count`,
      [environment, JSON.stringify(counts)]);
  },
  async addTrackEvents(q: Queryable, environment: string, events: { key: string; contextKey: string | null; value: number | null; at: Date }[]): Promise<void> {
    if (events.length === 0) return;
    await q.query(
      `INSERT INTO track_events (environment, key, context_key, value, at)
       SELECT $1, e.key, e."contextKey", e.value, e.at FROM json_to_recordset($2) AS e(key text, "contextKey" text, value double precision, at timestamptz)`,
      [environment, JSON.stringify(events)]);
  },
  /** Counts per bucket (`minute`, `hour` or `day`, in UTC) and variant in [from, to). Sums are bigint: read as numbers. */
  async evaluationSeries(q: Queryable, environment: string, feature: string, from: Date, to: Date, step: 'minute' | 'hour' | 'day'): Promise<{ at: Date; variant: string; count: number }[]> {
    const { rows } = await q.query<{ at: Date; variant: string; count: string }>(
      `SELECT date_trunc($5::text, minute, 'UTC') AS at, variant, sum(count)::bigint AS count FROM evaluation_counts
       WHERE environment = $1 AND feature = $2 AND minute >= $3 AND minute < $4
       GROUP BY 1, 2 ORDER BY 1, 2`, [environment, feature, from, to, step]);
    return rows.map((r) => ({ at: r.at, variant: r.variant, count: Number(r.count) }));
  },
};
