import { validateSegment, type SegmentRule } from '@gantry/core';
import type { AuditService } from '../audit/service.js';
import type { Database, Queryable } from '../db/database.js';
import type { EnvironmentsService } from '../environments/service.js';
import type { Caller } from '../http/auth.js';
import { etagOf } from '../http/etag.js';
import { ConflictError, NotFoundError, PreconditionFailedError, ValidationError } from '../http/errors.js';
import { bumpSnapshotRevision } from '../snapshots/revisions.js';
import { segmentStore, type SegmentFields, type SegmentRow } from './store.js';

export interface Segment {
  environment: string;
  key: string;
  description: string;
  included: string[];
  excluded: string[];
  rules: SegmentRule[];
  revision: number;
  createdAt: string;
  updatedAt: string;
}

export type SegmentInput = Partial<SegmentFields>;

export interface SegmentsService {
  create(caller: Caller, environment: string, key: string, input: SegmentInput): Promise<Segment>;
  get(environment: string, key: string): Promise<Segment>;
  list(environment: string): Promise<Segment[]>;
  replace(caller: Caller, environment: string, key: string, revision: number | undefined, input: SegmentInput): Promise<Segment>;
  remove(caller: Caller, environment: string, key: string): Promise<void>;
  keys(q: Queryable, environment: string): Promise<Set<string>>;
}

export interface SegmentsDeps {
  environments: EnvironmentsService;
  referencingFeatures(q: Queryable, environment: string, segment: string): Promise<string[]>;
}

export function createSegmentsService(db: Database, audit: AuditService, deps: SegmentsDeps): SegmentsService {
  const fields = (input: SegmentInput): SegmentFields => ({
    description: input.description ?? '', included: input.included ?? [], excluded: input.excluded ?? [], rules: input.rules ?? [],
  });
  const check = (key: string, f: SegmentFields) => {
    const problems = validateSegment({ key, ...f });
    if (problems.length) {
      throw new ValidationError(problems.map((p) => `${p.path || '/'}: ${p.message}`).join('; '), { errors: problems.map((p) => ({ location: `body${p.path}`, message: p.message })) });
    }
  };
  const require = async (q: Queryable, environment: string, key: string, forUpdate = false) => {
    const row = await segmentStore.get(q, environment, key, forUpdate);
    if (!row) {
      await deps.environments.require(q, environment);
      throw new NotFoundError('segment', `${environment}/${key}`);
    }
    return row;
  };
  const resource = (environment: string, key: string) => ({ type: 'segment', id: `${environment}/${key}` });

  return {
    keys: (q, environment) => segmentStore.keys(q, environment),
    async create(caller, environment, key, input) {
      const f = fields(input);
      check(key, f);
      return db.tx(async (q) => {
        await deps.environments.require(q, environment);
        const row = await segmentStore.insert(q, environment, key, f);
        if (!row) throw new ConflictError('segment_exists', `segment "${key}" exists already in ${environment}`);
        await bumpSnapshotRevision(q, environment);
        const segment = toSegment(row);
        await audit.record(q, caller, 'segment.created', resource(environment, key), null, segment);
        return segment;
      });
    },
    async get(environment, key) {
      return toSegment(await require(db, environment, key));
    },
    async list(environment) {
      await deps.environments.require(db, environment);
      return (await segmentStore.list(db, environment)).map(toSegment);
    },
    async replace(caller, environment, key, revision, input) {
      const f = fields(input);
      check(key, f);
      return db.tx(async (q) => {
        const before = await require(q, environment, key, true);
        const row = await segmentStore.update(q, environment, key, revision, f);
        if (!row) throw new PreconditionFailedError(etagOf(before.revision));
        await bumpSnapshotRevision(q, environment);
        const after = toSegment(row);
        await audit.record(q, caller, 'segment.updated', resource(environment, key), toSegment(before), after);
        return after;
      });
    },
    async remove(caller, environment, key) {
      await db.tx(async (q) => {
        const before = await require(q, environment, key, true);
        const users = await deps.referencingFeatures(q, environment, key);
        if (users.length) {
          throw new ConflictError('segment_in_use', `segment "${key}" is used by ${users.join(', ')} in ${environment}; remove it from their rules first`, { features: users });
        }
        await segmentStore.remove(q, environment, key);
        await bumpSnapshotRevision(q, environment);
        await audit.record(q, caller, 'segment.deleted', resource(environment, key), toSegment(before), null);
      });
    },
  };
}

function toSegment(r: SegmentRow): Segment {
  return {
    environment: r.environment, key: r.key, description: r.description, included: r.included, excluded: r.excluded, rules: r.rules,
    revision: r.revision, createdAt: r.created_at.toISOString(), updatedAt: r.updated_at.toISOString(),
  };
}
