import { GrowthBookClient } from '@growthbook/growthbook';

function escapeRegex(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function toCondition(c) {
  const attribute = c.attribute === 'targetingKey' ? 'id' : c.attribute;
  switch (c.operator) {
    case 'in': return { [attribute]: { $in: c.values } };
    case 'endsWith': return { [attribute]: { $regex: `(${c.values.map(escapeRegex).join('|')})$` } };
    case 'semverGt': return { [attribute]: { $vgt: c.values[0] } };
    case 'gte': return { [attribute]: { $gte: c.values[0] } };
    default: throw new Error(`no GrowthBook condition for ${c.operator}`);
  }
}

/**
 * GrowthBook runs the first rule whose condition matches. Segment keys go into saved groups
 * ($inGroup, a set lookup); segment rules are inlined as conditions.
 */
export async function growthbook(features, segments) {
  const savedGroups = Object.fromEntries(Object.entries(segments).map(([key, s]) => [key, s.included]));
  const segmentCondition = (key) => ({
    $or: [{ id: { $inGroup: key } }, ...segments[key].rules.map((clauses) => ({ $and: clauses.map(toCondition) }))],
  });
  const condition = (clauses) => ({ $and: clauses.map((c) => (c.segment ? segmentCondition(c.segment) : toCondition(c))) });
  const gbFeatures = Object.fromEntries(features.map((f) => {
    if (!f.on) return [f.key, { defaultValue: false, rules: [] }];
    const rules = f.rules.map((clauses) => ({ condition: condition(clauses), force: true }));
    if (f.rollout === 100) rules.push({ force: true });
    else if (f.rollout > 0) rules.push({ force: true, coverage: f.rollout / 100, hashAttribute: 'id' });
    return [f.key, { defaultValue: false, rules }];
  }));
  const client = new GrowthBookClient({ enableDevMode: false });
  client.initSync({ payload: { features: gbFeatures, savedGroups } });
  return {
    name: '@growthbook/growthbook',
    context: ({ targetingKey, ...rest }) => ({ attributes: { id: targetingKey, ...rest } }),
    evaluate: (key, context) => client.isOn(key, context),
    batch: (pairs) => {
      let on = 0;
      for (let i = 0; i < pairs.length; i++) {
        const pair = pairs[i];
        if (client.isOn(pair.key, pair.context)) on++;
      }
      return on;
    },
    close: () => client.destroy(),
  };
}
