// Reasons, individual targets, rule order, typed variations, type mismatches, prerequisites,
// rollouts inside rules and custom bucketing attributes.
import { booleanFeature, expectBoolean, expectError } from './helpers.mjs';
import { referenceBucket } from './reference-hash.mjs';

const premium = { attribute: 'plan', operator: 'in', values: ['premium'] };
const fiftyFifty = { variations: [{ variation: 0, weight: 50000 }, { variation: 1, weight: 50000 }] };

const features = {
  'static-on': booleanFeature('static-on', [], { fallthrough: { variation: 0 } }),
  'static-off': booleanFeature('static-off', []),
  killed: booleanFeature('killed', [{ clauses: [premium], serve: { variation: 0 } }], {
    on: false, targets: [{ variation: 0, values: ['alice'] }], fallthrough: { variation: 0 },
  }),
  targeted: booleanFeature('targeted', [{ clauses: [{ attribute: 'email', operator: 'endsWith', values: ['@example.com'] }], serve: { variation: 0 } }], {
    targets: [{ variation: 0, values: ['alice', 'bob'] }, { variation: 1, values: ['mallory'] }],
  }),
  'empty-targets': booleanFeature('empty-targets', [], { targets: [{ variation: 0, values: [] }], fallthrough: { variation: 0 } }),
  'rule-order': {
    key: 'rule-order', kind: 'experiment', type: 'string', salt: 's', on: true, offVariation: 0,
    variations: [{ key: 'a', value: 'A' }, { key: 'b', value: 'B' }, { key: 'c', value: 'C' }],
    rules: [
      { id: 'dutch', clauses: [{ attribute: 'country', operator: 'in', values: ['NL'] }], serve: { variation: 1 } },
      { id: 'benelux', clauses: [{ attribute: 'country', operator: 'in', values: ['NL', 'BE', 'LU'] }], serve: { variation: 2 } },
    ],
    fallthrough: { variation: 0 },
  },
  'multi-clause': booleanFeature('multi-clause', [{
    clauses: [premium, { attribute: 'country', operator: 'in', values: ['NL'] }, { attribute: 'appVersion', operator: 'semverGt', values: ['2.0.0'] }],
    serve: { variation: 0 },
  }]),
  'button-color': {
    key: 'button-color', kind: 'experiment', type: 'string', salt: 's', on: true, offVariation: 0,
    variations: [{ key: 'control', value: 'blue' }, { key: 'treatment', value: 'green' }],
    rules: [{ clauses: [premium], serve: { variation: 1 } }], fallthrough: { variation: 0 },
  },
  'page-size': {
    key: 'page-size', kind: 'operational', type: 'number', salt: 's', on: true, offVariation: 0,
    variations: [{ key: 'small', value: 10 }, { key: 'medium', value: 25.5 }, { key: 'large', value: -1 }],
    rules: [{ clauses: [premium], serve: { variation: 2 } }], fallthrough: { variation: 1 },
  },
  limits: {
    key: 'limits', kind: 'permission', type: 'json', salt: 's', on: true, offVariation: 0,
    variations: [{ key: 'basic', value: { seats: 3, features: ['export'] } }, { key: 'list', value: [1, 'two', { three: 3 }] }],
    fallthrough: { variation: 0 }, rules: [{ clauses: [premium], serve: { variation: 1 } }],
  },
  'killed-number': {
    key: 'killed-number', kind: 'kill-switch', type: 'number', salt: 's', on: false, offVariation: 1,
    variations: [{ key: 'full', value: 100 }, { key: 'none', value: 0 }], fallthrough: { variation: 0 },
  },
  'rule-rollout': booleanFeature('rule-rollout', [{ id: 'premium-half', clauses: [premium], serve: { rollout: fiftyFifty } }]),
  'bucket-by-company': booleanFeature('bucket-by-company', [], { fallthrough: { rollout: { ...fiftyFifty, bucketBy: 'companyId' } } }),
  'full-rollout': booleanFeature('full-rollout', [], { fallthrough: { rollout: { variations: [{ variation: 0, weight: 100000 }, { variation: 1, weight: 0 }] } } }),
  'base-on': booleanFeature('base-on', [], { fallthrough: { variation: 0 } }),
  'base-off': booleanFeature('base-off', [], { on: false, fallthrough: { variation: 0 } }),
  'child-of-on': booleanFeature('child-of-on', [], { fallthrough: { variation: 0 }, prerequisites: [{ feature: 'base-on', variation: 0 }] }),
  'child-of-off': booleanFeature('child-of-off', [], { fallthrough: { variation: 0 }, prerequisites: [{ feature: 'base-off', variation: 0 }] }),
  'child-of-off-variation': booleanFeature('child-of-off-variation', [], { fallthrough: { variation: 0 }, prerequisites: [{ feature: 'base-off', variation: 1 }] }),
  'child-wrong-variation': booleanFeature('child-wrong-variation', [], { fallthrough: { variation: 0 }, prerequisites: [{ feature: 'base-on', variation: 1 }] }),
  grandchild: booleanFeature('grandchild', [], { fallthrough: { variation: 0 }, prerequisites: [{ feature: 'child-of-on', variation: 0 }] }),
  'grandchild-of-failed': booleanFeature('grandchild-of-failed', [], { fallthrough: { variation: 0 }, prerequisites: [{ feature: 'child-of-off', variation: 0 }] }),
  'child-of-targeted': booleanFeature('child-of-targeted', [], { fallthrough: { variation: 0 }, prerequisites: [{ feature: 'targeted', variation: 0 }] }),
  'child-of-two': booleanFeature('child-of-two', [], {
    fallthrough: { variation: 0 }, prerequisites: [{ feature: 'base-on', variation: 0 }, { feature: 'multi-clause', variation: 0 }],
  }),
  'child-of-rollout': booleanFeature('child-of-rollout', [], { fallthrough: { variation: 0 }, prerequisites: [{ feature: 'bucket-by-company', variation: 0 }] }),
  'off-with-prerequisite': booleanFeature('off-with-prerequisite', [], { on: false, fallthrough: { variation: 0 }, prerequisites: [{ feature: 'base-on', variation: 0 }] }),
};

export const targetingSnapshot = { environment: 'test', revision: 2, features, segments: {} };

function c(name, flag, context, expected, extra = {}) {
  return { name, snapshot: 'targeting', flag, context, default: extra.default ?? false, ...extra, expected };
}

/** The variant a 50/50 on/off rollout serves for a bucketing value, from the reference hash. */
function half(flag, value) {
  return referenceBucket(flag, `salt-${flag}`, value) < 50000 ? 'on' : 'off';
}

const on = (reason) => expectBoolean('on', reason);
const off = (reason) => expectBoolean('off', reason);
const premiumUsers = ['p-1', 'p-2', 'p-3', 'p-4', 'p-5', 'p-6'];
const companies = ['acme', 'globex', 'initech', 'umbrella', 'hooli', 42];

export const targetingCases = [
  c('no targeting at all is STATIC', 'static-on', { targetingKey: 'x' }, on('STATIC')),
  c('STATIC needs no context', 'static-off', {}, off('STATIC')),
  c('null context is an empty context', 'static-on', null, on('STATIC')),
  c('off serves the off-variation to everyone', 'killed', { targetingKey: 'x', plan: 'premium' }, off('DISABLED')),
  c('off beats individual targets', 'killed', { targetingKey: 'alice' }, off('DISABLED')),
  c('individual target', 'targeted', { targetingKey: 'alice' }, on('TARGETING_MATCH')),
  c('second key of a target', 'targeted', { targetingKey: 'bob' }, on('TARGETING_MATCH')),
  c('individual target beats rules', 'targeted', { targetingKey: 'mallory', email: 'm@example.com' }, off('TARGETING_MATCH')),
  c('rule when not targeted', 'targeted', { targetingKey: 'carol', email: 'c@example.com' }, on('TARGETING_MATCH')),
  c('fallthrough with targeting is DEFAULT', 'targeted', { targetingKey: 'carol' }, off('DEFAULT')),
  c('targets compare the exact key', 'targeted', { targetingKey: 'Alice' }, off('DEFAULT')),
  c('targets ignore a non-string targetingKey', 'targeted', { targetingKey: 7 }, off('DEFAULT')),
  c('an empty target list is no targeting', 'empty-targets', { targetingKey: 'x' }, on('STATIC')),
  c('first matching rule wins', 'rule-order', { country: 'NL' }, { value: 'B', variant: 'b', reason: 'TARGETING_MATCH' }, { default: 'z' }),
  c('second rule', 'rule-order', { country: 'BE' }, { value: 'C', variant: 'c', reason: 'TARGETING_MATCH' }, { default: 'z' }),
  c('no rule', 'rule-order', { country: 'DE' }, { value: 'A', variant: 'a', reason: 'DEFAULT' }, { default: 'z' }),
  c('every clause matches', 'multi-clause', { plan: 'premium', country: 'NL', appVersion: '2.1.0' }, on('TARGETING_MATCH')),
  c('one clause fails', 'multi-clause', { plan: 'premium', country: 'NL', appVersion: '2.0.0' }, off('DEFAULT')),
  c('one attribute missing', 'multi-clause', { plan: 'premium', country: 'NL' }, off('DEFAULT')),
  c('string feature', 'button-color', { plan: 'premium' }, { value: 'green', variant: 'treatment', reason: 'TARGETING_MATCH' }, { default: 'red' }),
  c('string feature fallthrough', 'button-color', {}, { value: 'blue', variant: 'control', reason: 'DEFAULT' }, { default: 'red', as: 'string' }),
  c('number feature', 'page-size', {}, { value: 25.5, variant: 'medium', reason: 'DEFAULT' }, { default: 0, as: 'number' }),
  c('negative number variation', 'page-size', { plan: 'premium' }, { value: -1, variant: 'large', reason: 'TARGETING_MATCH' }, { default: 0 }),
  c('json object variation', 'limits', {}, { value: { seats: 3, features: ['export'] }, variant: 'basic', reason: 'DEFAULT' }, { default: {}, as: 'object' }),
  c('json array variation', 'limits', { plan: 'premium' }, { value: [1, 'two', { three: 3 }], variant: 'list', reason: 'TARGETING_MATCH' }, { default: [] }),
  c('an array default fits a json feature', 'limits', {}, { value: { seats: 3, features: ['export'] }, variant: 'basic', reason: 'DEFAULT' }, { default: [], as: 'object' }),
  c('number kill switch', 'killed-number', {}, { value: 0, variant: 'none', reason: 'DISABLED' }, { default: 7 }),
  c('string default for a boolean feature', 'static-on', {}, expectError('TYPE_MISMATCH', 'yes'), { default: 'yes' }),
  c('boolean default for a string feature', 'button-color', {}, expectError('TYPE_MISMATCH', false)),
  c('string default for a number feature', 'page-size', {}, expectError('TYPE_MISMATCH', '10'), { default: '10' }),
  c('number default for a json feature', 'limits', {}, expectError('TYPE_MISMATCH', 3), { default: 3 }),
  c('object default for a boolean feature', 'static-on', {}, expectError('TYPE_MISMATCH', {}), { default: {} }),
  c('typed string evaluation of a boolean feature', 'static-on', {}, expectError('TYPE_MISMATCH', 'on'), { default: 'on', as: 'string' }),
  c('typed boolean evaluation of a number feature', 'page-size', {}, expectError('TYPE_MISMATCH', true), { default: true, as: 'boolean' }),
  c('typed object evaluation of a string feature', 'button-color', {}, expectError('TYPE_MISMATCH', { a: 1 }), { default: { a: 1 }, as: 'object' }),
  c('type is checked even when the feature is off', 'killed', {}, expectError('TYPE_MISMATCH', 0), { default: 0 }),
  c('null default means no default', 'static-on', {}, on('STATIC'), { default: null }),
  { name: 'no default at all', snapshot: 'targeting', flag: 'button-color', context: {}, expected: { value: 'blue', variant: 'control', reason: 'DEFAULT' } },
  c('unknown feature', 'no-such-feature', {}, expectError('FLAG_NOT_FOUND', true), { default: true }),
  { name: 'unknown feature without a default', snapshot: 'targeting', flag: 'no-such-feature', context: {}, expected: expectError('FLAG_NOT_FOUND') },
  ...premiumUsers.map((key) => c(`rollout in a rule (${key})`, 'rule-rollout', { targetingKey: key, plan: 'premium' }, expectBoolean(half('rule-rollout', key), 'SPLIT'))),
  c('rule with a rollout not matching: DEFAULT', 'rule-rollout', { targetingKey: 'p-1', plan: 'free' }, off('DEFAULT')),
  c('rule rollout without a targeting key', 'rule-rollout', { plan: 'premium' }, expectError('TARGETING_KEY_MISSING', false)),
  c('no key needed when no rollout is reached', 'rule-rollout', { plan: 'free' }, off('DEFAULT')),
  ...companies.map((company) => c(`bucketBy companyId (${company})`, 'bucket-by-company', { companyId: company }, expectBoolean(half('bucket-by-company', String(company)), 'SPLIT'))),
  c('bucketBy ignores the targeting key', 'bucket-by-company', { targetingKey: 'acme', companyId: 'acme' }, expectBoolean(half('bucket-by-company', 'acme'), 'SPLIT')),
  c('bucketBy attribute missing', 'bucket-by-company', { targetingKey: 'u1' }, expectError('TARGETING_KEY_MISSING', false)),
  c('bucketBy attribute not an integer', 'bucket-by-company', { companyId: 4.5 }, expectError('TARGETING_KEY_MISSING', false)),
  c('bucketBy attribute an object', 'bucket-by-company', { companyId: { id: 1 } }, expectError('TARGETING_KEY_MISSING', false)),
  c('a 100 % rollout needs no key', 'full-rollout', {}, on('SPLIT')),
  c('a 100 % rollout with a key', 'full-rollout', { targetingKey: 'x' }, on('SPLIT')),
  c('prerequisite met', 'child-of-on', {}, on('DEFAULT')),
  c('prerequisite off', 'child-of-off', {}, off('DISABLED')),
  c('prerequisite off, even when its off-variation is the one required', 'child-of-off-variation', {}, off('DISABLED')),
  c('prerequisite serves another variation', 'child-wrong-variation', {}, off('DISABLED')),
  c('prerequisite chain met', 'grandchild', {}, on('DEFAULT')),
  c('prerequisite chain broken one level down', 'grandchild-of-failed', {}, off('DISABLED')),
  c('prerequisite decided by targeting: met', 'child-of-targeted', { targetingKey: 'alice' }, on('DEFAULT')),
  c('prerequisite decided by targeting: unmet', 'child-of-targeted', { targetingKey: 'mallory' }, off('DISABLED')),
  c('two prerequisites met', 'child-of-two', { plan: 'premium', country: 'NL', appVersion: '3.0.0' }, on('DEFAULT')),
  c('second of two prerequisites unmet', 'child-of-two', { plan: 'premium' }, off('DISABLED')),
  c('prerequisite that errors counts as unmet', 'child-of-rollout', {}, off('DISABLED')),
  c('prerequisite with a rollout, bucketed', 'child-of-rollout', { companyId: 'acme' },
    half('bucket-by-company', 'acme') === 'on' ? on('DEFAULT') : off('DISABLED')),
  c('prerequisite with a rollout, bucketed elsewhere', 'child-of-rollout', { companyId: 'globex' },
    half('bucket-by-company', 'globex') === 'on' ? on('DEFAULT') : off('DISABLED')),
  c('off is checked before prerequisites', 'off-with-prerequisite', {}, off('DISABLED')),
];
