import { Type, type Static } from 'typebox';

const Percent = Type.Number({ minimum: 0, maximum: 100, multipleOf: 0.001 });
const Millis = (max = 86_400_000) => Type.Integer({ minimum: 0, maximum: max });

export const AnalysisSpec = Type.Object({
  windowMs: Type.Optional(Millis(3_600_000)),
  minRequests: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
  maxErrorRate: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  /** The canary may be this much worse than the stable version (absolute error-rate points). */
  maxErrorRateIncrease: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  maxLatencyP99Ms: Type.Optional(Type.Integer({ minimum: 1, maximum: 600_000 })),
  noData: Type.Optional(Type.Enum(['fail', 'pass', 'wait'])),
}, { additionalProperties: false });
export type AnalysisSpec = Static<typeof AnalysisSpec>;

export const CanaryStep = Type.Union([
  Type.Object({ setWeight: Percent }, { additionalProperties: false }),
  Type.Object({ pause: Type.Object({ durationMs: Type.Optional(Millis()) }, { additionalProperties: false }) }, { additionalProperties: false }),
  Type.Object({ analysis: AnalysisSpec }, { additionalProperties: false }),
]);
export type CanaryStep = Static<typeof CanaryStep>;

const Script = Type.String({ minLength: 1, maxLength: 4000 });

/** How a service is fetched, run, checked and switched: versioned, validated, stored per service. */
export const RunSpec = Type.Object({
  port: Type.Integer({ minimum: 1, maximum: 65535, description: 'the public port of the service\'s router on each agent' }),
  artifact: Type.Object({
    url: Type.Optional(Type.String({ minLength: 1, maxLength: 2000, pattern: '^(https?|file)://', description: 'may contain {service}, {version}, {digest}' })),
    fetchCommand: Type.Optional(Script),
    unpack: Type.Optional(Type.Enum(['tar', 'none'])),
  }, { additionalProperties: false }),
  command: Type.Union([Type.String({ minLength: 1, maxLength: 4000 }), Type.Array(Type.String({ maxLength: 4000 }), { minItems: 1, maxItems: 100 })]),
  env: Type.Optional(Type.Record(Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]{0,127}$' }), Type.String({ maxLength: 10_000 }), { maxProperties: 200 })),
  /** Names of variables the agent passes from its own environment: secrets stay on the host. */
  secrets: Type.Optional(Type.Array(Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]{0,127}$' }), { maxItems: 100 })),
  instances: Type.Optional(Type.Integer({ minimum: 1, maximum: 64 })),
  health: Type.Optional(Type.Object({
    path: Type.Optional(Type.String({ pattern: '^/', maxLength: 500 })),
    intervalMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 600_000 })),
    timeoutMs: Type.Optional(Type.Integer({ minimum: 50, maximum: 600_000 })),
    healthyThreshold: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
    unhealthyThreshold: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
  }, { additionalProperties: false })),
  startTimeoutMs: Type.Optional(Millis(3_600_000)),
  stopTimeoutMs: Type.Optional(Millis(600_000)),
  blueGreen: Type.Optional(Type.Object({ keepWarmMs: Type.Optional(Millis()) }, { additionalProperties: false })),
  canary: Type.Optional(Type.Object({ steps: Type.Array(CanaryStep, { minItems: 1, maxItems: 50 }) }, { additionalProperties: false })),
  /** Counted in targets (agents); not both 0. */
  rolling: Type.Optional(Type.Object({
    maxSurge: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000, description: 'targets at once that run the new version beside the old one before the old one leaves (1 by default)' })),
    maxUnavailable: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000, description: 'targets at once replaced in place: the old version leaves first, then the new one starts (0 by default)' })),
  }, { additionalProperties: false })),
  analysis: Type.Optional(AnalysisSpec),
  verify: Type.Optional(Type.Object({ command: Script, timeoutMs: Type.Optional(Millis(3_600_000)) }, { additionalProperties: false })),
  /** For the `script` driver: the team's own commands, one per phase. */
  scripts: Type.Optional(Type.Object({
    deploy: Script, verify: Type.Optional(Script), switch: Type.Optional(Script), rollback: Type.Optional(Script),
    timeoutMs: Type.Optional(Millis(3_600_000)),
  }, { additionalProperties: false })),
}, { additionalProperties: false });
export type RunSpec = Static<typeof RunSpec>;
