import type { Queryable } from '../db/database.js';

export interface AuditRow {
  id: number;
  at: Date;
  actor: string;
  action: string;
  resource_type: string;
  resource_id: string;
  before: unknown;
  after: unknown;
  request_id: string | null;
}

export interface AuditFilter {
  resourceType?: string;
  resourceId?: string;
  actor?: string;
  action?: string;
  since?: Date;
  until?: Date;
  before?: number;
  limit: number;
}

export const auditStore = {
  async insert(q: Queryable, e: Omit<AuditRow, 'id' | 'at'>): Promise<void> {
    await q.query(
      'INSERT INTO audit_events (actor, action, resource_type, resource_id, before, after, request_id) VALUES ($1,$2,$3,$4,$5,$6,$7)',
      [e.actor, e.action, e.resource_type, e.resource_id, json(e.before), json(e.after), e.request_id],
    );
  },
  async list(q: Queryable, f: AuditFilter): Promise<AuditRow[]> {
    const where: string[] = [];
    const values: unknown[] = [];
    const add = (sql: string, value: unknown) => { values.push(value); where.push(sql.replace('?', `$${values.length}`)); };
    if (f.resourceType) add('resource_type = ?', f.resourceType);
    if (f.resourceId) add('resource_id = ?', f.resourceId);
    if (f.actor) add('actor = ?', f.actor);
    if (f.action) add('action = ?', f.action);
    if (f.since) add('at >= ?', f.since);
    if (f.until) add('at < ?', f.until);
    if (f.before) add('id < ?', f.before);
    values.push(f.limit + 1);
    const { rows } = await q.query<AuditRow>(
      `SELECT * FROM audit_events ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT $${values.length}`,
      values,
    );
    return rows;
  },
};

function json(value: unknown): string | null {
  return value === undefined || value === null ? null : JSON.stringify(value);
}
