import type { AuditService } from '../audit/service.js';
import type { Database, Queryable } from '../db/database.js';
import type { Caller } from '../http/auth.js';
import { etagOf } from '../http/etag.js';
import { AppError, PreconditionFailedError, ValidationError } from '../http/errors.js';
import type { ServicesService } from '../services/service.js';
import type { RunSpec } from './schema.js';

export interface StoredRunSpec {
  service: string;
  revision: number;
  spec: RunSpec;
  createdAt: string;
  createdBy: string;
}

export interface RunSpecsService {
  put(caller: Caller, service: string, expected: number | undefined, spec: RunSpec): Promise<StoredRunSpec>;
  current(q: Queryable, service: string): Promise<StoredRunSpec | undefined>;
  get(service: string): Promise<StoredRunSpec>;
}

interface Row { service: string; revision: number; spec: RunSpec; created_at: Date; created_by: string }
const toSpec = (r: Row): StoredRunSpec => ({ service: r.service, revision: r.revision, spec: r.spec, createdAt: r.created_at.toISOString(), createdBy: r.created_by });

/**
 * The rolling settings with their defaults, counted in targets (agents). Both 0 would replace no
 * target in a batch (Kubernetes refuses it too).
 */
export function rollingSettings(spec: RunSpec): { maxSurge: number; maxUnavailable: number } {
  const maxSurge = spec.rolling?.maxSurge ?? 1;
  const maxUnavailable = spec.rolling?.maxUnavailable ?? 0;
  if (maxSurge === 0 && maxUnavailable === 0) {
    throw new ValidationError('rolling.maxSurge and rolling.maxUnavailable must not both be 0: a batch would replace no target (maxSurge starts the new version beside the old one; maxUnavailable replaces it in place)');
  }
  return { maxSurge, maxUnavailable };
}

/** Meaning the schema cannot express: what a spec must have to be runnable. */
export function checkRunSpec(spec: RunSpec): void {
  if (!spec.artifact.url && !spec.artifact.fetchCommand) throw new ValidationError('artifact needs a url or a fetchCommand');
  if (spec.artifact.url && spec.artifact.fetchCommand) throw new ValidationError('artifact takes a url or a fetchCommand, not both');
  const h = spec.health;
  if (h?.timeoutMs !== undefined && h.intervalMs !== undefined && h.timeoutMs > h.intervalMs) throw new ValidationError('health.timeoutMs must not exceed health.intervalMs');
  const weights = (spec.canary?.steps ?? []).flatMap((s) => ('setWeight' in s ? [s.setWeight] : []));
  for (let i = 1; i < weights.length; i++) if (weights[i]! < weights[i - 1]!) throw new ValidationError('canary setWeight steps must not decrease');
  if (spec.rolling) rollingSettings(spec);
}

export function createRunSpecsService(db: Database, audit: AuditService, services: ServicesService): RunSpecsService {
  const current = async (q: Queryable, service: string) => {
    const { rows } = await q.query<Row>('SELECT * FROM run_specs WHERE service = $1 ORDER BY revision DESC LIMIT 1', [service]);
    return rows[0] && toSpec(rows[0]);
  };
  return {
    current,
    async get(service) {
      await services.require(db, service);
      const spec = await current(db, service);
      if (!spec) throw new AppError(404, 'run_spec_not_found', `service "${service}" has no run specification yet: PUT /api/v1/services/${service}/run-spec`);
      return spec;
    },
    async put(caller, service, expected, spec) {
      checkRunSpec(spec);
      return db.tx(async (q) => {
        await services.require(q, service);
        await q.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`gantry:runspec:${service}`]);
        const before = await current(q, service);
        const revision = before?.revision ?? 0;
        if (expected !== undefined && expected !== revision) throw new PreconditionFailedError(etagOf(revision));
        const { rows } = await q.query<Row>('INSERT INTO run_specs (service, revision, spec, created_by) VALUES ($1,$2,$3,$4) RETURNING *',
          [service, revision + 1, JSON.stringify(spec), caller.actor.label]);
        const after = toSpec(rows[0]!);
        await audit.record(q, caller, 'run-spec.updated', { type: 'service', id: service }, before ?? null, after);
        return after;
      });
    },
  };
}
