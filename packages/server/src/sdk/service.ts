import type { Database } from '../db/database.js';
import { ValidationError } from '../http/errors.js';
import { sdkEventStore } from './store.js';

export interface SdkReport {
  evaluations: { feature: string; variant: string; count: number; minute: Date }[];
  events: { key: string; contextKey: string | null; value: number | null; at: Date }[];
}

/** Stores what SDKs report in one transaction: the data guarded rollouts read. */
export async function recordSdkReport(db: Database, environment: string, report: SdkReport): Promise<void> {
  await db.tx(async (q) => {
    await sdkEventStore.addEvaluationCounts(q, environment, report.evaluations);
    await sdkEventStore.addTrackEvents(q, environment, report.events);
  });
}

export type Step = 'minute' | 'hour' | 'day';
const stepMs: Record<Step, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };
/** At most this many buckets in one answer: a day by the minute, a month by the hour, a year by the day. */
const maxBuckets = 1_440;
const maxDaysBack = 400;

export interface EvaluationSeries {
  feature: string;
  environment: string;
  from: string;
  to: string;
  step: Step;
  /** Evaluations per variant over the whole range. */
  totals: Record<string, number>;
  /** Buckets that saw evaluations, oldest first (buckets without any are left out). */
  series: { at: string; counts: Record<string, number> }[];
}

/** How often each variant of a feature was served in an environment, as SDKs reported it. */
export async function evaluationSeries(db: Database, environment: string, feature: string, range: { from?: string; to?: string; step?: Step }): Promise<EvaluationSeries> {
  const step = range.step ?? 'hour';
  const to = range.to ? new Date(range.to) : new Date();
  const from = range.from ? new Date(range.from) : new Date(to.getTime() - 86_400_000);
  if (from.getTime() >= to.getTime()) throw new ValidationError(`from (${from.toISOString()}) must be before to (${to.toISOString()})`);
  if (from.getTime() < Date.now() - maxDaysBack * 86_400_000) throw new ValidationError(`from may be at most ${maxDaysBack} days back`);
  const buckets = Math.ceil((to.getTime() - from.getTime()) / stepMs[step]);
  if (buckets > maxBuckets) throw new ValidationError(`${buckets} buckets of a ${step} are too many (at most ${maxBuckets}): narrow the range or choose a longer step`);
  const totals: Record<string, number> = {};
  const series: EvaluationSeries['series'] = [];
  for (const row of await sdkEventStore.evaluationSeries(db, environment, feature, from, to, step)) {
    totals[row.variant] = (totals[row.variant] ?? 0) + row.count;
    const at = row.at.toISOString();
    let bucket = series[series.length - 1];
    if (bucket?.at !== at) series.push((bucket = { at, counts: {} }));
    bucket.counts[row.variant] = row.count;
  }
  return { feature, environment, from: from.toISOString(), to: to.toISOString(), step, totals, series };
}
