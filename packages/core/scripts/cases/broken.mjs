// Malformed snapshot pieces: each broken feature evaluates to PARSE_ERROR while the others work.
import { booleanFeature, expectBoolean, expectError } from './helpers.mjs';

const matching = (pattern) => [{ clauses: [{ attribute: 'email', operator: 'matches', values: [pattern] }], serve: { variation: 0 } }];

const features = {
  healthy: booleanFeature('healthy', [], { fallthrough: { variation: 0 } }),
  'bad-variation-type': booleanFeature('bad-variation-type', [], { variations: [{ key: 'on', value: 'yes' }, { key: 'off', value: false }] }),
  'one-variation': booleanFeature('one-variation', [], { variations: [{ key: 'on', value: true }] }),
  'duplicate-variation-key': booleanFeature('duplicate-variation-key', [], { variations: [{ key: 'on', value: true }, { key: 'on', value: false }] }),
  'bad-weights': booleanFeature('bad-weights', [], { fallthrough: { rollout: { variations: [{ variation: 0, weight: 50000 }, { variation: 1, weight: 40000 }] } } }),
  'fractional-weight': booleanFeature('fractional-weight', [], { fallthrough: { rollout: { variations: [{ variation: 0, weight: 0.5 }, { variation: 1, weight: 99999.5 }] } } }),
  'nested-quantifier': booleanFeature('nested-quantifier', matching('^(a+)+$')),
  backreference: booleanFeature('backreference', matching('^(a)\\1$')),
  'invalid-regex': booleanFeature('invalid-regex', matching('([a-z')),
  'unknown-segment': booleanFeature('unknown-segment', [{ clauses: [{ operator: 'segmentMatch', values: ['nobody'] }], serve: { variation: 0 } }]),
  'uses-broken-segment': booleanFeature('uses-broken-segment', [{ clauses: [{ operator: 'segmentMatch', values: ['broken-segment'] }], serve: { variation: 0 } }]),
  'unknown-operator': booleanFeature('unknown-operator', [{ clauses: [{ attribute: 'email', operator: 'regexMatch', values: ['x'] }], serve: { variation: 0 } }]),
  'wrong-clause-value': booleanFeature('wrong-clause-value', [{ clauses: [{ attribute: 'age', operator: 'lt', values: ['18'] }], serve: { variation: 0 } }]),
  'unknown-off-variation': booleanFeature('unknown-off-variation', [], { offVariation: 5 }),
  'missing-fallthrough': booleanFeature('missing-fallthrough', [], { fallthrough: undefined }),
  'unknown-kind': booleanFeature('unknown-kind', [], { kind: 'temporary' }),
  'map-key-differs': booleanFeature('another-key', []),
  'not-an-object': 42,
  'cycle-a': booleanFeature('cycle-a', [], { prerequisites: [{ feature: 'cycle-b', variation: 0 }] }),
  'cycle-b': booleanFeature('cycle-b', [], { prerequisites: [{ feature: 'cycle-a', variation: 0 }] }),
  'self-prerequisite': booleanFeature('self-prerequisite', [], { prerequisites: [{ feature: 'self-prerequisite', variation: 0 }] }),
  'unknown-prerequisite': booleanFeature('unknown-prerequisite', [], { prerequisites: [{ feature: 'ghost', variation: 0 }] }),
  'depends-on-cycle': booleanFeature('depends-on-cycle', [], { fallthrough: { variation: 0 }, prerequisites: [{ feature: 'cycle-a', variation: 0 }] }),
  'depends-on-broken': booleanFeature('depends-on-broken', [], { fallthrough: { variation: 0 }, prerequisites: [{ feature: 'bad-weights', variation: 0 }] }),
};
delete features['missing-fallthrough'].fallthrough;

export const brokenSnapshot = {
  environment: 'test',
  revision: 3,
  features,
  segments: {
    'broken-segment': { key: 'broken-segment', rules: [{ clauses: [{ attribute: 'email', operator: 'matches', values: ['(x*)*y'] }] }] },
  },
};

const parseError = (name, flag) => ({ name, snapshot: 'broken', flag, context: { targetingKey: 'u1' }, default: true, expected: expectError('PARSE_ERROR', true) });

export const brokenCases = [
  { name: 'a healthy feature next to broken ones', snapshot: 'broken', flag: 'healthy', context: {}, default: false, expected: expectBoolean('on', 'STATIC') },
  parseError('variation value of the wrong type', 'bad-variation-type'),
  parseError('a single variation', 'one-variation'),
  parseError('duplicate variation keys', 'duplicate-variation-key'),
  parseError('weights not summing to 100000', 'bad-weights'),
  parseError('fractional weights', 'fractional-weight'),
  parseError('nested quantifier in a pattern', 'nested-quantifier'),
  parseError('backreference in a pattern', 'backreference'),
  parseError('invalid pattern', 'invalid-regex'),
  parseError('unknown segment', 'unknown-segment'),
  parseError('segment with a dangerous pattern', 'uses-broken-segment'),
  parseError('unknown operator', 'unknown-operator'),
  parseError('clause value of the wrong type', 'wrong-clause-value'),
  parseError('unknown off-variation', 'unknown-off-variation'),
  parseError('missing fallthrough', 'missing-fallthrough'),
  parseError('unknown kind', 'unknown-kind'),
  parseError('feature key differs from its key in the snapshot', 'map-key-differs'),
  parseError('feature that is not an object', 'not-an-object'),
  parseError('prerequisite cycle, first feature', 'cycle-a'),
  parseError('prerequisite cycle, second feature', 'cycle-b'),
  parseError('feature that requires itself', 'self-prerequisite'),
  parseError('unknown prerequisite', 'unknown-prerequisite'),
  { name: 'PARSE_ERROR without a default', snapshot: 'broken', flag: 'bad-weights', context: {}, expected: expectError('PARSE_ERROR') },
  { name: 'PARSE_ERROR comes before type checks', snapshot: 'broken', flag: 'bad-weights', context: {}, default: 'x', expected: expectError('PARSE_ERROR', 'x') },
  { name: 'requiring a feature in a cycle: prerequisite unmet', snapshot: 'broken', flag: 'depends-on-cycle', context: {}, default: true, expected: expectBoolean('off', 'DISABLED') },
  { name: 'requiring a broken feature: prerequisite unmet', snapshot: 'broken', flag: 'depends-on-broken', context: {}, default: true, expected: expectBoolean('off', 'DISABLED') },
  { name: 'snapshot that is not an object has no features', snapshot: 'not a snapshot', flag: 'healthy', context: {}, default: true, expected: expectError('FLAG_NOT_FOUND', true) },
  { name: 'snapshot whose features are an array', snapshot: { environment: 'x', revision: 1, features: [], segments: {} }, flag: '0', context: {}, default: 1, expected: expectError('FLAG_NOT_FOUND', 1) },
  {
    name: 'features still work when the envelope has problems',
    snapshot: { environment: '', features: { healthy: features.healthy } },
    flag: 'healthy', context: {}, default: false, expected: expectBoolean('on', 'STATIC'),
  },
];
