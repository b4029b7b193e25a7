import type { Database } from '../db/database.js';
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
