import { FEATURE_KINDS, OPERATORS, type Clause as CoreClause, type FeatureEnvironmentConfig, type Variation as CoreVariation } from '@gantry/core';
import { Type } from 'typebox';
import { literals, Name, NullableString, NullableTimestamp, Timestamp } from '../http/schemas.js';

/**
 * The shape of configurations; the meaning (variation indexes exist, weights sum to 100,000,
 * regexes are safe, segments exist, no prerequisite cycles) is checked by @gantry/core's
 * validation, the same code the SDKs evaluate with.
 */
export const FeatureKey = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$', description: 'letters, digits, `.`, `_`, `-`' });
export const VariationIndex = Type.Integer({ minimum: 0, maximum: 99 });
const ClauseValue = Type.Union([Type.String({ maxLength: 1000 }), Type.Number(), Type.Boolean()]);

const ClauseShape = Type.Object({
  attribute: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  operator: literals(OPERATORS),
  values: Type.Array(ClauseValue, { maxItems: 10_000 }),
  negate: Type.Optional(Type.Boolean()),
}, { additionalProperties: false });
/** The static type is core's: the schema checks the shape, core's validation the meaning. */
export const Clause = Type.Unsafe<CoreClause>(ClauseShape);

const Rollout = Type.Object({
  variations: Type.Array(Type.Object({ variation: VariationIndex, weight: Type.Integer({ minimum: 0, maximum: 100_000 }) }, { additionalProperties: false }), { minItems: 1, maxItems: 100 }),
  bucketBy: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
}, { additionalProperties: false });
const Serve = Type.Union([
  Type.Object({ variation: VariationIndex }, { additionalProperties: false }),
  Type.Object({ rollout: Rollout }, { additionalProperties: false }),
]);

const ConfigShape = Type.Object({
  on: Type.Boolean(),
  offVariation: VariationIndex,
  targets: Type.Optional(Type.Array(Type.Object({ variation: VariationIndex, values: Type.Array(Type.String({ minLength: 1, maxLength: 256 }), { maxItems: 10_000 }) }, { additionalProperties: false }), { maxItems: 100 })),
  rules: Type.Optional(Type.Array(Type.Object({
    id: Type.Optional(Type.String({ maxLength: 128 })), description: Type.Optional(Type.String({ maxLength: 1000 })),
    clauses: Type.Array(Clause, { maxItems: 50 }), serve: Serve,
  }, { additionalProperties: false }), { maxItems: 500 })),
  fallthrough: Serve,
  prerequisites: Type.Optional(Type.Array(Type.Object({ feature: FeatureKey, variation: VariationIndex }, { additionalProperties: false }), { maxItems: 50 })),
}, { additionalProperties: false });
export const Config = Type.Unsafe<FeatureEnvironmentConfig>(ConfigShape);

const VariationShape = Type.Object({
  key: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$' }),
  value: Type.Unknown(),
  name: Type.Optional(Type.String({ maxLength: 200 })),
  description: Type.Optional(Type.String({ maxLength: 1000 })),
}, { additionalProperties: false });
const Variation = Type.Unsafe<CoreVariation>(VariationShape);

export const CreateFeature = Type.Object({
  key: FeatureKey,
  description: Type.Optional(Type.String({ maxLength: 2000 })),
  owner: Type.Optional(Type.String({ maxLength: 200 })),
  kind: Type.Optional(literals(FEATURE_KINDS)),
  type: Type.Optional(literals(['boolean', 'string', 'number', 'json'] as const)),
  variations: Type.Optional(Type.Array(Variation, { minItems: 2, maxItems: 100 })),
  onVariation: Type.Optional(VariationIndex),
  offVariation: Type.Optional(VariationIndex),
  salt: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9._-]{1,128}$', description: 'bucketing salt; generated when absent (give it to keep buckets when migrating)' })),
}, { additionalProperties: false });

export const FeatureSchema = Type.Object({
  key: Type.String(), description: Type.String(), owner: Type.String(), kind: Type.String(), type: Type.String(),
  variations: Type.Array(Type.Object({ key: Type.String(), value: Type.Unknown(), name: Type.Optional(Type.String()), description: Type.Optional(Type.String()) })),
  salt: Type.String(), onVariation: Type.Integer(), offVariation: Type.Integer(), revision: Type.Integer(),
  createdAt: Timestamp, createdBy: Type.String(), updatedAt: Timestamp,
  environments: Type.Record(Type.String(), Type.Object({ on: Type.Boolean(), audience: Type.String(), revision: Type.Integer() })),
});

export const ConfigSchema = Type.Object({
  feature: Type.String(), environment: Type.String(), config: Type.Unknown(), audience: Type.String(), revision: Type.Integer(),
  updatedAt: NullableTimestamp, updatedBy: NullableString,
});

export const ReleaseSchema = Type.Object({
  id: Type.Integer(), feature: Type.String(), environment: Type.String(), action: Type.String(), summary: Type.String(),
  reason: NullableString, author: Type.String(), state: Type.String(), scheduledFor: NullableTimestamp,
  before: Type.Unknown(), after: Type.Unknown(), error: NullableString, createdAt: Timestamp, appliedAt: NullableTimestamp,
});

export const ReleaseBody = Type.Object({
  action: literals(['on', 'off', 'kill', 'percent', 'segment'] as const),
  percent: Type.Optional(Type.Number({ minimum: 0, maximum: 100, multipleOf: 0.001 })),
  segment: Type.Optional(Name),
  reason: Type.Optional(Type.String({ minLength: 1, maxLength: 1000 })),
  at: Type.Optional(Type.String({ format: 'date-time', description: 'apply later, at this time' })),
}, { additionalProperties: false });
