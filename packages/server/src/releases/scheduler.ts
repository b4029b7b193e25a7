import type { Database } from '../db/database.js';
import type { Caller } from '../http/auth.js';
import type { FeaturesService } from '../features/service.js';
import type { ReleaseRequest } from '../features/release-actions.js';
import type { ReleasesService } from './service.js';

/**
 * Applies scheduled releases when they fall due. Claims use SKIP LOCKED, so several replicas may
 * run this loop at once without applying a release twice; a restart resumes where it stopped.
 */
export function startReleaseScheduler(db: Database, releases: ReleasesService, features: FeaturesService, options: { intervalMs: number; onError?: (e: unknown) => void }) {
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      for (;;) {
        const applied = await db.tx(async (q) => {
          const [due] = await releases.claimDue(q, 1);
          if (!due) return false;
          const caller: Caller = { actor: { tokenId: due.authorToken ?? '', name: 'scheduler', scope: 'admin', label: `${due.author} (scheduled)` }, requestId: `release-${due.id}` };
          // A release that cannot apply any more (feature changed, segment deleted) is marked failed, not retried forever.
          await q.query('SAVEPOINT apply_release');
          try {
            await features.applyScheduled(q, caller, { id: due.id, feature: due.feature, environment: due.environment, request: due.request as ReleaseRequest });
          } catch (error) {
            await q.query('ROLLBACK TO SAVEPOINT apply_release');
            await releases.finish(q, due.id, { error: (error as Error).message });
          }
          return true;
        });
        if (!applied) break;
      }
    } catch (error) {
      options.onError?.(error);
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void tick(), options.intervalMs);
  timer.unref();
  return { tick, stop: () => clearInterval(timer) };
}
