import { InMemStorageProvider, Unleash } from 'unleash-client';

const OPERATORS = { in: 'IN', endsWith: 'STR_ENDS_WITH', semverGt: 'SEMVER_GT', gte: 'NUM_GTE' };

function toConstraint(c) {
  const operator = OPERATORS[c.operator];
  const single = operator === 'SEMVER_GT' || operator === 'NUM_GTE';
  const contextName = c.attribute === 'targetingKey' ? 'userId' : c.attribute;
  return single
    ? { contextName, operator, inverted: false, values: [], value: String(c.values[0]) }
    : { contextName, operator, inverted: false, values: c.values.map(String), caseInsensitive: false };
}

/**
 * Unleash enables a feature when any strategy is enabled; a strategy's constraints and
 * segments all have to match. A Gantry segment (included keys OR rules) becomes one Unleash
 * segment per alternative, and a rule using it becomes one strategy per alternative.
 */
export async function unleash(features, segments) {
  const unleashSegments = [];
  const alternatives = {};
  for (const [key, s] of Object.entries(segments)) {
    const parts = [...(s.included.length ? [[{ attribute: 'targetingKey', operator: 'in', values: s.included }]] : []), ...s.rules];
    alternatives[key] = parts.map((clauses) => {
      const id = unleashSegments.length + 1;
      unleashSegments.push({ id, name: `${key}-${id}`, constraints: clauses.map(toConstraint) });
      return id;
    });
  }
  const strategiesFor = (feature) => {
    const strategies = [];
    for (const clauses of feature.rules) {
      // Expand every combination of segment alternatives used by the rule.
      let combos = [{ constraints: [], segments: [] }];
      for (const c of clauses) {
        if (c.segment) combos = combos.flatMap((combo) => alternatives[c.segment].map((id) => ({ ...combo, segments: [...combo.segments, id] })));
        else combos = combos.map((combo) => ({ ...combo, constraints: [...combo.constraints, toConstraint(c)] }));
      }
      for (const combo of combos) strategies.push({ name: 'default', parameters: {}, constraints: combo.constraints, segments: combo.segments });
    }
    // Unleash enables a feature without strategies for everyone, so "nobody" needs a 0 % rollout.
    if (feature.rollout > 0 || strategies.length === 0) {
      strategies.push({ name: 'flexibleRollout', parameters: { rollout: String(feature.rollout), stickiness: 'userId', groupId: feature.key }, constraints: [] });
    }
    return strategies;
  };
  const data = features.map((f) => ({ name: f.key, enabled: f.on, type: 'release', project: 'default', stale: false, impressionData: false, strategies: strategiesFor(f), variants: [] }));
  const client = new Unleash({
    appName: 'gantry-bench',
    url: 'http://127.0.0.1:9/api/', // never contacted: refreshInterval 0 disables fetching
    refreshInterval: 0,
    disableMetrics: true,
    storageProvider: new InMemStorageProvider(),
    bootstrap: { data, segments: unleashSegments },
    skipInstanceCountWarning: true,
  });
  client.on('error', () => {});
  client.on('warn', () => {});
  await new Promise((resolve) => (client.isSynchronized?.() ? resolve() : client.once('ready', resolve)));
  return {
    name: 'unleash-client',
    context: ({ targetingKey, ...properties }) => ({ userId: targetingKey, properties }),
    evaluate: (key, context) => client.isEnabled(key, context),
    batch: (pairs) => {
      let on = 0;
      for (let i = 0; i < pairs.length; i++) {
        const pair = pairs[i];
        if (client.isEnabled(pair.key, pair.context)) on++;
      }
      return on;
    },
    close: () => client.destroy(),
  };
}
