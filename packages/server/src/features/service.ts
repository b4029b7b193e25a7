import { randomBytes } from 'node:crypto';
import {
  findPrerequisiteCycles, validateFeatureConfig, validateFeatureDefinition,
  type FeatureEnvironmentConfig, type FeatureKind, type FeatureType, type Variation,
} from '@gantry/core';
import type { AuditService } from '../audit/service.js';
import type { Database, Queryable } from '../db/database.js';
import type { EnvironmentsService } from '../environments/service.js';
import type { Caller } from '../http/auth.js';
import { etagOf } from '../http/etag.js';
import { AppError, ConflictError, NotFoundError, PreconditionFailedError, ValidationError } from '../http/errors.js';
import type { Release, ReleasesService } from '../releases/service.js';
import { bumpAllSnapshotRevisions, bumpSnapshotRevision } from '../snapshots/revisions.js';
import { applyRequest, audienceOf, defaultConfig, describeRequest, type ReleaseRequest, type Variations } from './release-actions.js';
import { featureStore, type ConfigRow, type FeatureRow } from './store.js';

export interface Feature {
  key: string;
  description: string;
  owner: string;
  kind: FeatureKind;
  type: FeatureType;
  variations: Variation[];
  salt: string;
  onVariation: number;
  offVariation: number;
  revision: number;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
  /** Who sees the feature in each environment, in a few words. */
  environments: Record<string, { on: boolean; audience: string; revision: number }>;
}

export interface FeatureConfig {
  feature: string;
  environment: string;
  config: FeatureEnvironmentConfig;
  audience: string;
  /** 0 while the environment still has the feature's default configuration. */
  revision: number;
  updatedAt: string | null;
  updatedBy: string | null;
}

export interface CreateFeature {
  key: string;
  description?: string;
  owner?: string;
  kind?: FeatureKind;
  type?: FeatureType;
  variations?: Variation[];
  onVariation?: number;
  offVariation?: number;
  salt?: string;
}

export interface FeaturesService {
  create(caller: Caller, input: CreateFeature): Promise<Feature>;
  get(key: string): Promise<Feature>;
  list(page: { after?: string; limit: number }): Promise<Feature[]>;
  update(caller: Caller, key: string, revision: number | undefined, input: { description?: string; owner?: string; kind?: FeatureKind }): Promise<Feature>;
  config(key: string, environment: string): Promise<FeatureConfig>;
  /** Applies a release now, or schedules it for `at`. */
  release(caller: Caller, key: string, environment: string, request: ReleaseRequest, options: { reason?: string; revision?: number; at?: Date }): Promise<{ release: Release; config: FeatureConfig }>;
  /** Used by the scheduler for a release it claimed. */
  applyScheduled(q: Queryable, caller: Caller, release: { id: number; feature: string; environment: string; request: ReleaseRequest }): Promise<void>;
  /** Features whose configuration in `environment` refers to `segment`. */
  referencing(q: Queryable, environment: string, segment: string): Promise<string[]>;
}

export interface FeaturesDeps {
  environments: EnvironmentsService;
  releases: ReleasesService;
  segmentKeys(q: Queryable, environment: string): Promise<Set<string>>;
}

const booleanVariations: Variation[] = [{ key: 'on', value: true }, { key: 'off', value: false }];

export function createFeaturesService(db: Database, audit: AuditService, deps: FeaturesDeps): FeaturesService {
  const requireFeature = async (q: Queryable, key: string, forUpdate = false) => {
    const row = await featureStore.get(q, key, forUpdate);
    if (!row) throw new NotFoundError('feature', key);
    return row;
  };
  const variationsOf = (row: FeatureRow): Variations => ({ on: row.on_variation, off: row.off_variation });
  const toConfig = (row: FeatureRow, environment: string, stored: ConfigRow | undefined): FeatureConfig => {
    const config = stored?.config ?? defaultConfig(variationsOf(row));
    return {
      feature: row.key, environment, config, audience: audienceOf(config, variationsOf(row)), revision: stored?.revision ?? 0,
      updatedAt: stored?.updated_at.toISOString() ?? null, updatedBy: stored?.updated_by ?? null,
    };
  };
  /** `names` and `configs` may be read once for a whole page (a list must not query per feature). */
  const toFeature = async (q: Queryable, row: FeatureRow, names?: string[], configs?: ConfigRow[]): Promise<Feature> => {
    const stored = new Map((configs ?? await featureStore.configsOf(q, row.key)).filter((c) => c.feature === row.key).map((c) => [c.environment, c]));
    const environments: Feature['environments'] = {};
    for (const env of names ?? (await deps.environments.list()).map((e) => e.name)) {
      const c = toConfig(row, env, stored.get(env));
      environments[env] = { on: c.config.on, audience: c.audience, revision: c.revision };
    }
    return {
      key: row.key, description: row.description, owner: row.owner, kind: row.kind as FeatureKind, type: row.type as FeatureType,
      variations: row.variations, salt: row.salt, onVariation: row.on_variation, offVariation: row.off_variation, revision: row.revision,
      createdAt: row.created_at.toISOString(), createdBy: row.created_by, updatedAt: row.updated_at.toISOString(), environments,
    };
  };

  /** Checks a configuration against the feature, the environment's segments and every other feature's prerequisites. */
  async function validate(q: Queryable, row: FeatureRow, environment: string, config: FeatureEnvironmentConfig): Promise<void> {
    const all = await featureStore.all(q);
    const problems = validateFeatureConfig(config, { key: row.key, variations: row.variations }, {
      segments: await deps.segmentKeys(q, environment),
      variationCounts: new Map(all.map((f) => [f.key, f.variations.length])),
    });
    if (problems.length) {
      throw new ValidationError(problems.map((p) => `config${p.path}: ${p.message}`).join('; '), {
        errors: problems.map((p) => ({ location: `config${p.path}`, message: p.message })),
      });
    }
    const graph: Record<string, { prerequisites?: readonly { feature: string }[] }> = {};
    for (const c of await featureStore.configsIn(q, environment)) graph[c.feature] = c.config;
    graph[row.key] = config;
    const cycle = findPrerequisiteCycles(graph).find((group) => group.includes(row.key));
    if (cycle) throw new ConflictError('prerequisite_cycle', `prerequisites would form a cycle in ${environment}: ${[...cycle, cycle[0]].join(' → ')}`, { cycle });
  }

  /** The one path by which a configuration changes: validate, write, bump the snapshot, record. */
  async function apply(q: Queryable, caller: Caller, key: string, environment: string, request: ReleaseRequest, expected: number | undefined) {
    const row = await requireFeature(q, key);
    await deps.environments.require(q, environment);
    const stored = await featureStore.getConfig(q, key, environment, true);
    const current = toConfig(row, environment, stored);
    if (expected !== undefined && expected !== current.revision) throw new PreconditionFailedError(etagOf(current.revision));
    if (request.action === 'segment' && !(await deps.segmentKeys(q, environment)).has(request.segment)) {
      throw new NotFoundError('segment', `${environment}/${request.segment}`);
    }
    const next = applyRequest(current.config, variationsOf(row), request);
    await validate(q, row, environment, next);
    const written = await featureStore.putConfig(q, key, environment, current.revision, next, caller.actor.label);
    if (!written) throw new PreconditionFailedError(etagOf(current.revision + 1));
    await bumpSnapshotRevision(q, environment);
    return { before: current, after: toConfig(row, environment, written) };
  }

  return {
    async create(caller, input) {
      const type = input.type ?? 'boolean';
      const variations = input.variations ?? (type === 'boolean' ? booleanVariations : undefined);
      if (!variations) throw new ValidationError(`a ${type} feature needs its variations (at least two)`);
      const onVariation = input.onVariation ?? 0;
      const offVariation = input.offVariation ?? (variations.length > 1 ? variations.length - 1 : 0);
      if (onVariation === offVariation) throw new ValidationError('onVariation and offVariation must differ');
      for (const [name, index] of [['onVariation', onVariation], ['offVariation', offVariation]] as const) {
        if (index >= variations.length) throw new ValidationError(`${name} ${index} does not exist (${variations.length} variations)`);
      }
      const definition = {
        key: input.key, description: input.description ?? '', owner: input.owner ?? '', kind: input.kind ?? 'release', type, variations,
        salt: input.salt ?? randomBytes(8).toString('hex'),
      };
      const problems = validateFeatureDefinition(definition);
      if (problems.length) throw new ValidationError(problems.map((p) => `${p.path || '/'}: ${p.message}`).join('; '));
      return db.tx(async (q) => {
        const row = await featureStore.insert(q, { ...definition, on_variation: onVariation, off_variation: offVariation, created_by: caller.actor.label });
        if (!row) throw new ConflictError('feature_exists', `feature "${input.key}" exists already`);
        await bumpAllSnapshotRevisions(q);
        const feature = await toFeature(q, row);
        await audit.record(q, caller, 'feature.created', { type: 'feature', id: row.key }, null, feature);
        return feature;
      });
    },
    async get(key) {
      return toFeature(db, await requireFeature(db, key));
    },
    async list({ after, limit }) {
      const rows = await featureStore.list(db, after, limit);
      const names = (await deps.environments.list()).map((e) => e.name);
      const configs = await featureStore.configsOfMany(db, rows.map((r) => r.key));
      return Promise.all(rows.map((row) => toFeature(db, row, names, configs)));
    },
    async update(caller, key, revision, input) {
      return db.tx(async (q) => {
        const before = await requireFeature(q, key, true);
        const row = await featureStore.update(q, key, revision, input);
        if (!row) throw new PreconditionFailedError(etagOf(before.revision));
        const after = await toFeature(q, row);
        await audit.record(q, caller, 'feature.updated', { type: 'feature', id: key }, await toFeature(q, before), after);
        return after;
      });
    },
    async config(key, environment) {
      const row = await requireFeature(db, key);
      await deps.environments.require(db, environment);
      return toConfig(row, environment, await featureStore.getConfig(db, key, environment));
    },
    async release(caller, key, environment, request, { reason, revision, at }) {
      return db.tx(async (q) => {
        if (at && at.getTime() > Date.now()) {
          const row = await requireFeature(q, key);
          await deps.environments.require(q, environment);
          if (request.action === 'configure') await validate(q, row, environment, request.config);
          const release = await deps.releases.schedule(q, caller, {
            feature: key, environment, action: request.action, summary: `${describeRequest(request)} (scheduled)`, reason: reason ?? null, request, scheduled_for: at,
          });
          return { release, config: toConfig(row, environment, await featureStore.getConfig(q, key, environment)) };
        }
        const { before, after } = await apply(q, caller, key, environment, request, revision);
        const release = await deps.releases.recordApplied(q, caller, {
          feature: key, environment, action: request.action, summary: describeRequest(request), reason: reason ?? null,
          before: before.config, after: after.config, request,
        });
        await audit.record(q, caller, `feature.${request.action === 'kill' ? 'killed' : 'released'}`, { type: 'feature', id: `${key}@${environment}` }, before, after);
        return { release, config: after };
      });
    },
    async applyScheduled(q, caller, release) {
      const { before, after } = await apply(q, caller, release.feature, release.environment, release.request, undefined);
      await deps.releases.finish(q, release.id, { before: before.config, after: after.config });
      await audit.record(q, caller, 'feature.released', { type: 'feature', id: `${release.feature}@${release.environment}` }, before, after);
    },
    async referencing(q, environment, segment) {
      return (await featureStore.configsIn(q, environment))
        .filter((c) => (c.config.rules ?? []).some((r) => r.clauses.some((cl) => cl.operator === 'segmentMatch' && cl.values.includes(segment))))
        .map((c) => c.feature);
    },
  };
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}
