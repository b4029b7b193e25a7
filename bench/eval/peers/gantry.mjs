import { compileSnapshot } from '../../../packages/core/dist/index.js';

const ON_OFF = [{ key: 'on', value: true }, { key: 'off', value: false }];

function toClause(c) {
  return c.segment ? { operator: 'segmentMatch', values: [c.segment] } : { attribute: c.attribute, operator: c.operator, values: c.values };
}

/** The Gantry snapshot for the shared definitions. */
export function gantrySnapshot(features, segments) {
  return {
    environment: 'bench',
    revision: 1,
    segments: Object.fromEntries(Object.entries(segments).map(([key, s]) => [key, {
      key, included: s.included, rules: s.rules.map((clauses) => ({ clauses: clauses.map(toClause) })),
    }])),
    features: Object.fromEntries(features.map((f) => [f.key, {
      key: f.key, kind: 'release', type: 'boolean', salt: f.key, variations: ON_OFF, on: f.on, offVariation: 1,
      rules: f.rules.map((clauses) => ({ clauses: clauses.map(toClause), serve: { variation: 0 } })),
      fallthrough: f.rollout === 0 || f.rollout === 100
        ? { variation: f.rollout === 100 ? 0 : 1 }
        : { rollout: { variations: [{ variation: 0, weight: f.rollout * 1000 }, { variation: 1, weight: 100_000 - f.rollout * 1000 }] } },
    }])),
  };
}

export async function gantry(features, segments) {
  const engine = compileSnapshot(gantrySnapshot(features, segments));
  if (engine.problems.length > 0) throw new Error(JSON.stringify(engine.problems));
  return {
    name: 'Gantry (@gantry/core)',
    context: (attributes) => attributes,
    evaluate: (key, context) => engine.evaluateBoolean(key, context, false).value,
    batch: (pairs) => {
      let on = 0;
      for (let i = 0; i < pairs.length; i++) {
        const pair = pairs[i];
        if (engine.evaluateBoolean(pair.key, pair.context, false).value) on++;
      }
      return on;
    },
  };
}
