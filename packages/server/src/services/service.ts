import type { AuditService } from '../audit/service.js';
import type { Database, Queryable } from '../db/database.js';
import type { Caller } from '../http/auth.js';
import { etagOf } from '../http/etag.js';
import { ConflictError, NotFoundError, PreconditionFailedError } from '../http/errors.js';
import { serviceStore, type ServiceRow } from './store.js';

export interface Service {
  name: string;
  description: string;
  revision: number;
  createdAt: string;
  updatedAt: string;
}

export interface ServicesService {
  create(caller: Caller, input: { name: string; description?: string }): Promise<Service>;
  get(name: string): Promise<Service>;
  /** For other modules: fails with service_not_found inside their transaction. */
  require(q: Queryable, name: string): Promise<Service>;
  list(page: { after?: string; limit: number }): Promise<Service[]>;
  update(caller: Caller, name: string, revision: number | undefined, input: { description?: string }): Promise<Service>;
}

export function createServicesService(db: Database, audit: AuditService): ServicesService {
  const require = async (q: Queryable, name: string) => {
    const row = await serviceStore.get(q, name);
    if (!row) throw new NotFoundError('service', name);
    return toService(row);
  };
  return {
    require,
    get: (name) => require(db, name),
    async create(caller, input) {
      return db.tx(async (q) => {
        const row = await serviceStore.insert(q, { name: input.name, description: input.description ?? '' });
        if (!row) throw new ConflictError('service_exists', `service "${input.name}" exists already`);
        const service = toService(row);
        await audit.record(q, caller, 'service.created', { type: 'service', id: input.name }, null, service);
        return service;
      });
    },
    async list({ after, limit }) {
      return (await serviceStore.list(db, after, limit)).map(toService);
    },
    async update(caller, name, revision, input) {
      return db.tx(async (q) => {
        const before = await serviceStore.get(q, name, true);
        if (!before) throw new NotFoundError('service', name);
        const row = await serviceStore.update(q, name, revision, input);
        if (!row) throw new PreconditionFailedError(etagOf(before.revision));
        const after = toService(row);
        await audit.record(q, caller, 'service.updated', { type: 'service', id: name }, toService(before), after);
        return after;
      });
    },
  };
}

function toService(r: ServiceRow): Service {
  return { name: r.name, description: r.description, revision: r.revision, createdAt: r.created_at.toISOString(), updatedAt: r.updated_at.toISOString() };
}
