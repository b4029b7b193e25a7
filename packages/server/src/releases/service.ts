import type { AuditService } from '../audit/service.js';
import type { Database, Queryable } from '../db/database.js';
import type { Caller } from '../http/auth.js';
import { AppError, NotFoundError } from '../http/errors.js';
import { toPage } from '../http/pagination.js';
import { releaseStore, type NewRelease, type ReleaseRow } from './store.js';

export interface Release {
  id: number;
  feature: string;
  environment: string;
  action: string;
  summary: string;
  reason: string | null;
  author: string;
  state: ReleaseRow['state'];
  scheduledFor: string | null;
  before: unknown;
  after: unknown;
  error: string | null;
  createdAt: string;
  appliedAt: string | null;
}

export interface ReleasesService {
  /** Records an applied release inside the transaction that changed the configuration. */
  recordApplied(q: Queryable, caller: Caller, r: Omit<NewRelease, 'state' | 'scheduled_for' | 'author' | 'author_token'>): Promise<Release>;
  schedule(q: Queryable, caller: Caller, r: Omit<NewRelease, 'state' | 'author' | 'author_token' | 'before' | 'after'> & { scheduled_for: Date }): Promise<Release>;
  /** Marks a claimed scheduled release as applied or failed. */
  finish(q: Queryable, id: number, outcome: { before: unknown; after: unknown } | { error: string }): Promise<Release>;
  claimDue(q: Queryable, limit: number): Promise<(Release & { request: unknown; authorToken: string | null })[]>;
  cancel(caller: Caller, id: number): Promise<Release>;
  get(id: number): Promise<Release>;
  list(filter: { feature?: string; environment?: string; state?: string; cursor?: number; limit: number }): Promise<{ items: Release[]; nextCursor: string | null }>;
}

export function createReleasesService(db: Database, audit: AuditService): ReleasesService {
  return {
    async recordApplied(q, caller, r) {
      const row = await releaseStore.insert(q, { ...r, state: 'applied', scheduled_for: null, author: caller.actor.label, author_token: caller.actor.tokenId || null });
      return toRelease(row);
    },
    async schedule(q, caller, r) {
      const row = await releaseStore.insert(q, { ...r, state: 'scheduled', author: caller.actor.label, author_token: caller.actor.tokenId || null, before: null, after: null });
      const release = toRelease(row);
      await audit.record(q, caller, 'release.scheduled', { type: 'release', id: String(row.id) }, null, release);
      return release;
    },
    async finish(q, id, outcome) {
      const row = 'error' in outcome ? await releaseStore.finish(q, id, 'failed', { error: outcome.error }) : await releaseStore.finish(q, id, 'applied', outcome);
      return toRelease(row);
    },
    async claimDue(q, limit) {
      return (await releaseStore.claimDue(q, limit)).map((row) => ({ ...toRelease(row), request: row.request, authorToken: row.author_token }));
    },
    async cancel(caller, id) {
      return db.tx(async (q) => {
        const row = await releaseStore.get(q, id, true);
        if (!row) throw new NotFoundError('release', String(id));
        if (row.state !== 'scheduled') throw new AppError(409, 'release_not_scheduled', `release ${id} is ${row.state}; only a scheduled release can be cancelled`);
        const after = toRelease(await releaseStore.finish(q, id, 'cancelled', {}));
        await audit.record(q, caller, 'release.cancelled', { type: 'release', id: String(id) }, toRelease(row), after);
        return after;
      });
    },
    async get(id) {
      const row = await releaseStore.get(db, id);
      if (!row) throw new NotFoundError('release', String(id));
      return toRelease(row);
    },
    async list({ cursor, ...f }) {
      const rows = await releaseStore.list(db, { ...f, ...(cursor !== undefined ? { beforeId: cursor } : {}) });
      return toPage(rows.map(toRelease), f.limit, (r) => r.id);
    },
  };
}

function toRelease(r: ReleaseRow): Release {
  return {
    id: r.id, feature: r.feature, environment: r.environment, action: r.action, summary: r.summary, reason: r.reason,
    author: r.author, state: r.state, scheduledFor: r.scheduled_for?.toISOString() ?? null, before: r.before, after: r.after,
    error: r.error, createdAt: r.created_at.toISOString(), appliedAt: r.applied_at?.toISOString() ?? null,
  };
}
