import { FlagdCore } from '@openfeature/flagd-core';

const silent = { debug() {}, info() {}, warn() {}, error() {} };

function toLogic(c) {
  if (c.segment) return { $ref: c.segment };
  const value = { var: c.attribute };
  switch (c.operator) {
    case 'in': return { in: [value, c.values] };
    case 'endsWith': return c.values.length === 1 ? { ends_with: [value, c.values[0]] } : { or: c.values.map((v) => ({ ends_with: [value, v] })) };
    case 'semverGt': return { sem_ver: [value, '>', c.values[0]] };
    case 'gte': return { '>=': [value, c.values[0]] };
    default: throw new Error(`no flagd logic for ${c.operator}`);
  }
}

/** flagd's JSON Logic targeting: `if` chains the rules, `fractional` does the rollout; segments are `$evaluators`. */
export async function flagd(features, segments) {
  const and = (clauses) => (clauses.length === 1 ? toLogic(clauses[0]) : { and: clauses.map(toLogic) });
  const evaluators = Object.fromEntries(Object.entries(segments).map(([key, s]) => [key, {
    or: [...(s.included.length ? [{ in: [{ var: 'targetingKey' }, s.included] }] : []), ...s.rules.map(and)],
  }]));
  const flags = Object.fromEntries(features.map((f) => {
    const fallthrough = f.rollout === 0 ? 'off' : f.rollout === 100 ? 'on' : { fractional: [['on', f.rollout], ['off', 100 - f.rollout]] };
    const branches = f.rules.flatMap((clauses) => [and(clauses), 'on']);
    const flag = { state: f.on ? 'ENABLED' : 'DISABLED', variants: { on: true, off: false }, defaultVariant: f.rollout === 100 ? 'on' : 'off' };
    if (branches.length > 0 || typeof fallthrough === 'object') flag.targeting = branches.length > 0 ? { if: [...branches, fallthrough] } : fallthrough;
    return [f.key, flag];
  }));
  const core = new FlagdCore(undefined, silent);
  core.setConfigurations(JSON.stringify({ flags, $evaluators: evaluators }));
  return {
    name: '@openfeature/flagd-core',
    context: (attributes) => attributes,
    evaluate: (key, context) => core.resolveBooleanEvaluation(key, false, context, silent).value,
    batch: (pairs) => {
      let on = 0;
      for (let i = 0; i < pairs.length; i++) {
        const pair = pairs[i];
        if (core.resolveBooleanEvaluation(pair.key, false, pair.context, silent).value) on++;
      }
      return on;
    },
  };
}
