import type { Queryable } from '../db/database.js';
import type { Caller } from '../http/auth.js';
import { toPage } from '../http/pagination.js';
import { auditStore, type AuditFilter, type AuditRow } from './store.js';

export interface AuditEvent {
  id: number;
  at: string;
  actor: string;
  action: string;
  resourceType: string;
  resourceId: string;
  before: unknown;
  after: unknown;
  requestId: string | null;
}

export interface AuditService {
  /** Call inside the transaction of the change it describes, so both commit or neither does. */
  record(q: Queryable, caller: Caller, action: string, resource: { type: string; id: string }, before: unknown, after: unknown): Promise<void>;
  list(filter: Omit<AuditFilter, 'before'> & { cursor?: number }): Promise<{ items: AuditEvent[]; nextCursor: string | null }>;
}

export function createAuditService(db: Queryable): AuditService {
  return {
    async record(q, caller, action, resource, before, after) {
      await auditStore.insert(q, {
        actor: caller.actor.label, action, resource_type: resource.type, resource_id: resource.id,
        before, after, request_id: caller.requestId,
      });
    },
    async list({ cursor, ...filter }) {
      const rows = await auditStore.list(db, { ...filter, ...(cursor !== undefined ? { before: cursor } : {}) });
      return toPage(rows.map(toEvent), filter.limit, (e) => e.id);
    },
  };
}

function toEvent(r: AuditRow): AuditEvent {
  return {
    id: r.id, at: r.at.toISOString(), actor: r.actor, action: r.action, resourceType: r.resource_type,
    resourceId: r.resource_id, before: r.before, after: r.after, requestId: r.request_id,
  };
}
