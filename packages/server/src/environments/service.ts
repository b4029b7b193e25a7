import type { AuditService } from '../audit/service.js';
import type { Database, Queryable } from '../db/database.js';
import type { Caller } from '../http/auth.js';
import { etagOf } from '../http/etag.js';
import { ConflictError, NotFoundError, PreconditionFailedError, ValidationError } from '../http/errors.js';
import { environmentStore, type EnvironmentChanges, type EnvironmentRow } from './store.js';

export interface Environment {
  name: string;
  /** 1-based place in the promotion path. */
  position: number;
  previous: string | null;
  protected: boolean;
  freeze: { until: string; reason: string } | null;
  policy: { requiredLabel: string | null; requirePreviousSuccess: boolean };
  revision: number;
  createdAt: string;
  updatedAt: string;
}

export interface CreateEnvironment {
  name: string;
  after?: string;
  protected?: boolean;
  requiredLabel?: string | null;
  requirePreviousSuccess?: boolean;
}

export interface UpdateEnvironment {
  protected?: boolean;
  requiredLabel?: string | null;
  requirePreviousSuccess?: boolean;
}

export interface EnvironmentsService {
  create(caller: Caller, input: CreateEnvironment): Promise<Environment>;
  list(): Promise<Environment[]>;
  get(name: string): Promise<Environment>;
  require(q: Queryable, name: string): Promise<Environment>;
  update(caller: Caller, name: string, revision: number | undefined, input: UpdateEnvironment): Promise<Environment>;
  freeze(caller: Caller, name: string, revision: number | undefined, input: { until: string; reason: string }): Promise<Environment>;
  unfreeze(caller: Caller, name: string, revision: number | undefined): Promise<Environment>;
}

export function createEnvironmentsService(db: Database, audit: AuditService): EnvironmentsService {
  const load = async (q: Queryable, row: EnvironmentRow) => toEnvironment(row, (await environmentStore.previous(q, row.position))?.name ?? null);
  const require = async (q: Queryable, name: string) => {
    const row = await environmentStore.get(q, name);
    if (!row) throw new NotFoundError('environment', name);
    return load(q, row);
  };

  async function change(caller: Caller, name: string, revision: number | undefined, action: string, changes: EnvironmentChanges) {
    return db.tx(async (q) => {
      const before = await environmentStore.get(q, name, true);
      if (!before) throw new NotFoundError('environment', name);
      const row = await environmentStore.update(q, name, revision, changes);
      if (!row) throw new PreconditionFailedError(etagOf(before.revision));
      const [was, is] = [await load(q, before), await load(q, row)];
      await audit.record(q, caller, action, { type: 'environment', id: name }, was, is);
      return is;
    });
  }

  return {
    require,
    get: (name) => require(db, name),
    async list() {
      const rows = await environmentStore.all(db);
      return rows.map((row, i) => toEnvironment(row, rows[i - 1]?.name ?? null));
    },
    async create(caller, input) {
      return db.tx(async (q) => {
        await environmentStore.lockPath(q);
        let position: number;
        if (input.after !== undefined) {
          const anchor = await environmentStore.get(q, input.after);
          if (!anchor) throw new NotFoundError('environment', input.after);
          position = anchor.position + 1;
          await environmentStore.shiftFrom(q, position);
        } else {
          position = await environmentStore.nextPosition(q);
        }
        const row = await environmentStore.insert(q, {
          name: input.name, position, protected: input.protected ?? false,
          requiredLabel: input.requiredLabel ?? null, requirePreviousSuccess: input.requirePreviousSuccess ?? false,
        });
        if (!row) throw new ConflictError('environment_exists', `environment "${input.name}" exists already`);
        const environment = await load(q, row);
        await audit.record(q, caller, 'environment.created', { type: 'environment', id: input.name }, null, environment);
        return environment;
      });
    },
    update: (caller, name, revision, input) => change(caller, name, revision, 'environment.updated', input),
    freeze(caller, name, revision, { until, reason }) {
      const date = new Date(until);
      if (date.getTime() <= Date.now()) throw new ValidationError('a freeze must end in the future');
      return change(caller, name, revision, 'environment.frozen', { frozenUntil: date, freezeReason: reason });
    },
    unfreeze: (caller, name, revision) => change(caller, name, revision, 'environment.unfrozen', { frozenUntil: null, freezeReason: null }),
  };
}

export function toEnvironment(r: EnvironmentRow, previous: string | null): Environment {
  const frozen = r.frozen_until && r.frozen_until.getTime() > Date.now();
  return {
    name: r.name, position: r.position, previous, protected: r.protected,
    freeze: frozen ? { until: r.frozen_until!.toISOString(), reason: r.freeze_reason ?? '' } : null,
    policy: { requiredLabel: r.required_label, requirePreviousSuccess: r.require_previous_success },
    revision: r.revision, createdAt: r.created_at.toISOString(), updatedAt: r.updated_at.toISOString(),
  };
}
