// One feature per operator (and one per negated operator), each with a single one-clause rule.
import { booleanFeature, ruleCases, ruleOf } from './helpers.mjs';

const LONG_A = 'a'.repeat(1024);

/** [feature key, clause, rows for the plain clause, rows for the negated clause] */
const OPERATORS = [
  ['op-in', { attribute: 'country', operator: 'in', values: ['NL', 'BE', 7, true] }, [
    ['string in list', { targetingKey: 'u1', country: 'NL' }, 'on'],
    ['string not in list', { targetingKey: 'u1', country: 'DE' }, 'off'],
    ['case differs', { targetingKey: 'u1', country: 'nl' }, 'off'],
    ['number in list', { targetingKey: 'u1', country: 7 }, 'on'],
    ['numeric string does not equal number', { targetingKey: 'u1', country: '7' }, 'off'],
    ['boolean in list', { targetingKey: 'u1', country: true }, 'on'],
    ['string "true" does not equal true', { targetingKey: 'u1', country: 'true' }, 'off'],
    ['array with one element in list', { targetingKey: 'u1', country: ['DE', 'BE'] }, 'on'],
    ['array with no element in list', { targetingKey: 'u1', country: ['DE', 'FR'] }, 'off'],
    ['empty array', { targetingKey: 'u1', country: [] }, 'off'],
    ['object attribute', { targetingKey: 'u1', country: { code: 'NL' } }, 'off'],
    ['missing attribute', { targetingKey: 'u1' }, 'off'],
    ['null attribute', { targetingKey: 'u1', country: null }, 'off'],
  ], [
    ['string in list', { targetingKey: 'u1', country: 'NL' }, 'off'],
    ['string not in list', { targetingKey: 'u1', country: 'DE' }, 'on'],
    ['array with one element in list', { targetingKey: 'u1', country: ['DE', 'BE'] }, 'off'],
    ['array with no element in list', { targetingKey: 'u1', country: ['DE'] }, 'on'],
    ['missing attribute never matches', { targetingKey: 'u1' }, 'off'],
    ['null attribute never matches', { targetingKey: 'u1', country: null }, 'off'],
  ]],
  ['op-not-in', { attribute: 'country', operator: 'notIn', values: ['NL', 'BE'] }, [
    ['string not in list', { targetingKey: 'u1', country: 'DE' }, 'on'],
    ['string in list', { targetingKey: 'u1', country: 'BE' }, 'off'],
    ['number not in list', { targetingKey: 'u1', country: 3 }, 'on'],
    ['array with no element in list', { targetingKey: 'u1', country: ['DE', 'FR'] }, 'on'],
    ['array with an element in list', { targetingKey: 'u1', country: ['DE', 'NL'] }, 'off'],
    ['missing attribute never matches', { targetingKey: 'u1' }, 'off'],
    ['null attribute never matches', { targetingKey: 'u1', country: null }, 'off'],
  ], [
    ['string in list', { targetingKey: 'u1', country: 'NL' }, 'on'],
    ['string not in list', { targetingKey: 'u1', country: 'DE' }, 'off'],
    ['missing attribute never matches', { targetingKey: 'u1' }, 'off'],
  ]],
  ['op-starts-with', { attribute: 'email', operator: 'startsWith', values: ['admin@', 'root@'] }, [
    ['first prefix', { targetingKey: 'u1', email: 'admin@example.com' }, 'on'],
    ['second prefix', { targetingKey: 'u1', email: 'root@example.com' }, 'on'],
    ['no prefix', { targetingKey: 'u1', email: 'user@example.com' }, 'off'],
    ['prefix is case-sensitive', { targetingKey: 'u1', email: 'Admin@example.com' }, 'off'],
    ['equal to prefix', { targetingKey: 'u1', email: 'admin@' }, 'on'],
    ['number attribute', { targetingKey: 'u1', email: 5 }, 'off'],
    ['array with a matching element', { targetingKey: 'u1', email: ['x@y', 'root@y'] }, 'on'],
    ['missing attribute', { targetingKey: 'u1' }, 'off'],
  ], [
    ['prefix', { targetingKey: 'u1', email: 'admin@example.com' }, 'off'],
    ['no prefix', { targetingKey: 'u1', email: 'user@example.com' }, 'on'],
    ['missing attribute never matches', { targetingKey: 'u1' }, 'off'],
  ]],
  ['op-ends-with', { attribute: 'email', operator: 'endsWith', values: ['@example.com'] }, [
    ['suffix', { targetingKey: 'u1', email: 'ann@example.com' }, 'on'],
    ['other domain', { targetingKey: 'u1', email: 'ann@example.org' }, 'off'],
    ['suffix in the middle only', { targetingKey: 'u1', email: 'ann@example.com.evil.org' }, 'off'],
    ['boolean attribute', { targetingKey: 'u1', email: true }, 'off'],
    ['missing attribute', { targetingKey: 'u1' }, 'off'],
  ], [
    ['suffix', { targetingKey: 'u1', email: 'ann@example.com' }, 'off'],
    ['other domain', { targetingKey: 'u1', email: 'ann@example.org' }, 'on'],
    ['wrong type does not match, so negation matches', { targetingKey: 'u1', email: 12 }, 'on'],
    ['missing attribute never matches', { targetingKey: 'u1' }, 'off'],
  ]],
  ['op-contains', { attribute: 'userAgent', operator: 'contains', values: ['Firefox', 'Gecko/'] }, [
    ['contains first', { targetingKey: 'u1', userAgent: 'Mozilla/5.0 Firefox/128.0' }, 'on'],
    ['contains second', { targetingKey: 'u1', userAgent: 'Mozilla/5.0 Gecko/20100101' }, 'on'],
    ['contains neither', { targetingKey: 'u1', userAgent: 'Mozilla/5.0 Chrome/126' }, 'off'],
    ['empty string', { targetingKey: 'u1', userAgent: '' }, 'off'],
    ['missing attribute', { targetingKey: 'u1' }, 'off'],
  ], [
    ['contains', { targetingKey: 'u1', userAgent: 'Firefox' }, 'off'],
    ['does not contain', { targetingKey: 'u1', userAgent: 'Safari' }, 'on'],
  ]],
  ['op-matches', { attribute: 'email', operator: 'matches', values: ['^[a-z.]+@example\\.(com|org)$', '^a'] }, [
    ['first pattern', { targetingKey: 'u1', email: 'ann.lee@example.org' }, 'on'],
    ['second pattern', { targetingKey: 'u1', email: 'ALL-CAPS but starts with a' }, 'off'],
    ['second pattern matches lowercase a', { targetingKey: 'u1', email: 'a1' }, 'on'],
    ['no pattern', { targetingKey: 'u1', email: 'Bob@example.com' }, 'off'],
    ['input of 1024 characters is tested', { targetingKey: 'u1', email: LONG_A }, 'on'],
    ['input over 1024 characters never matches', { targetingKey: 'u1', email: `${LONG_A}a` }, 'off'],
    ['number attribute', { targetingKey: 'u1', email: 1 }, 'off'],
    ['missing attribute', { targetingKey: 'u1' }, 'off'],
  ], [
    ['matching', { targetingKey: 'u1', email: 'ann@example.com' }, 'off'],
    ['not matching', { targetingKey: 'u1', email: 'Bob@example.com' }, 'on'],
    ['over-long input does not match, so negation matches', { targetingKey: 'u1', email: `${LONG_A}a` }, 'on'],
  ]],
  ['op-lt', { attribute: 'age', operator: 'lt', values: [18, 16] }, [
    ['below the largest value', { targetingKey: 'u1', age: 17 }, 'on'],
    ['fraction below', { targetingKey: 'u1', age: 17.999 }, 'on'],
    ['equal', { targetingKey: 'u1', age: 18 }, 'off'],
    ['above', { targetingKey: 'u1', age: 30 }, 'off'],
    ['negative', { targetingKey: 'u1', age: -1 }, 'on'],
    ['numeric string is not a number', { targetingKey: 'u1', age: '17' }, 'off'],
    ['missing attribute', { targetingKey: 'u1' }, 'off'],
  ], [
    ['below', { targetingKey: 'u1', age: 17 }, 'off'],
    ['equal', { targetingKey: 'u1', age: 18 }, 'on'],
    ['string never matches, so negation matches', { targetingKey: 'u1', age: '17' }, 'on'],
  ]],
  ['op-lte', { attribute: 'age', operator: 'lte', values: [18] }, [
    ['below', { targetingKey: 'u1', age: 17 }, 'on'],
    ['equal', { targetingKey: 'u1', age: 18 }, 'on'],
    ['above', { targetingKey: 'u1', age: 18.5 }, 'off'],
    ['boolean attribute', { targetingKey: 'u1', age: false }, 'off'],
  ], [
    ['equal', { targetingKey: 'u1', age: 18 }, 'off'],
    ['above', { targetingKey: 'u1', age: 19 }, 'on'],
  ]],
  ['op-gt', { attribute: 'orders', operator: 'gt', values: [10, 20] }, [
    ['above the smallest value', { targetingKey: 'u1', orders: 11 }, 'on'],
    ['equal', { targetingKey: 'u1', orders: 10 }, 'off'],
    ['below', { targetingKey: 'u1', orders: 3 }, 'off'],
    ['array with an element above', { targetingKey: 'u1', orders: [1, 50] }, 'on'],
    ['missing attribute', { targetingKey: 'u1' }, 'off'],
  ], [
    ['above', { targetingKey: 'u1', orders: 11 }, 'off'],
    ['equal', { targetingKey: 'u1', orders: 10 }, 'on'],
  ]],
  ['op-gte', { attribute: 'orders', operator: 'gte', values: [10] }, [
    ['equal', { targetingKey: 'u1', orders: 10 }, 'on'],
    ['above', { targetingKey: 'u1', orders: 1e9 }, 'on'],
    ['below', { targetingKey: 'u1', orders: 9.99 }, 'off'],
    ['string', { targetingKey: 'u1', orders: '10' }, 'off'],
  ], [
    ['equal', { targetingKey: 'u1', orders: 10 }, 'off'],
    ['below', { targetingKey: 'u1', orders: 9 }, 'on'],
  ]],
  ['op-semver-eq', { attribute: 'appVersion', operator: 'semverEq', values: ['2.0.0', '3.1.4-rc.1'] }, [
    ['equal', { targetingKey: 'u1', appVersion: '2.0.0' }, 'on'],
    ['equal to a pre-release', { targetingKey: 'u1', appVersion: '3.1.4-rc.1' }, 'on'],
    ['build metadata is ignored', { targetingKey: 'u1', appVersion: '2.0.0+build.7' }, 'on'],
    ['different patch', { targetingKey: 'u1', appVersion: '2.0.1' }, 'off'],
    ['pre-release of the same version differs', { targetingKey: 'u1', appVersion: '2.0.0-rc.1' }, 'off'],
    ['partial version is not a version', { targetingKey: 'u1', appVersion: '2.0' }, 'off'],
    ['leading v is not a version', { targetingKey: 'u1', appVersion: 'v2.0.0' }, 'off'],
    ['number attribute', { targetingKey: 'u1', appVersion: 2 }, 'off'],
    ['missing attribute', { targetingKey: 'u1' }, 'off'],
  ], [
    ['equal', { targetingKey: 'u1', appVersion: '2.0.0' }, 'off'],
    ['different', { targetingKey: 'u1', appVersion: '2.0.1' }, 'on'],
    ['invalid version never matches, so negation matches', { targetingKey: 'u1', appVersion: 'latest' }, 'on'],
    ['missing attribute never matches', { targetingKey: 'u1' }, 'off'],
  ]],
  ['op-semver-lt', { attribute: 'appVersion', operator: 'semverLt', values: ['2.0.0', '1.5.0'] }, [
    ['lower', { targetingKey: 'u1', appVersion: '1.9.9' }, 'on'],
    ['pre-release of the bound is lower', { targetingKey: 'u1', appVersion: '2.0.0-rc.1' }, 'on'],
    ['equal', { targetingKey: 'u1', appVersion: '2.0.0' }, 'off'],
    ['numeric, not text, comparison', { targetingKey: 'u1', appVersion: '10.0.0' }, 'off'],
    ['numeric comparison of minor', { targetingKey: 'u1', appVersion: '1.10.0' }, 'on'],
    ['invalid version', { targetingKey: 'u1', appVersion: '1.9' }, 'off'],
  ], [
    ['lower', { targetingKey: 'u1', appVersion: '1.0.0' }, 'off'],
    ['higher', { targetingKey: 'u1', appVersion: '2.0.1' }, 'on'],
  ]],
  ['op-semver-gt', { attribute: 'appVersion', operator: 'semverGt', values: ['1.0.0-beta.2'] }, [
    ['later pre-release, numeric identifiers compare as numbers', { targetingKey: 'u1', appVersion: '1.0.0-beta.11' }, 'on'],
    ['release is above its pre-releases', { targetingKey: 'u1', appVersion: '1.0.0' }, 'on'],
    ['rc is above beta', { targetingKey: 'u1', appVersion: '1.0.0-rc.1' }, 'on'],
    ['shorter pre-release is lower', { targetingKey: 'u1', appVersion: '1.0.0-beta' }, 'off'],
    ['alpha.beta is below beta.2', { targetingKey: 'u1', appVersion: '1.0.0-alpha.beta' }, 'off'],
    ['equal', { targetingKey: 'u1', appVersion: '1.0.0-beta.2' }, 'off'],
    ['higher major', { targetingKey: 'u1', appVersion: '2.0.0-alpha' }, 'on'],
    ['lower major', { targetingKey: 'u1', appVersion: '0.9.0' }, 'off'],
  ], [
    ['higher', { targetingKey: 'u1', appVersion: '1.0.0' }, 'off'],
    ['lower', { targetingKey: 'u1', appVersion: '0.1.0' }, 'on'],
  ]],
  ['op-before', { attribute: 'signedUpAt', operator: 'before', values: ['2025-01-01T00:00:00Z'] }, [
    ['one second before', { targetingKey: 'u1', signedUpAt: '2024-12-31T23:59:59Z' }, 'on'],
    ['the same instant', { targetingKey: 'u1', signedUpAt: '2025-01-01' }, 'off'],
    ['epoch milliseconds just before', { targetingKey: 'u1', signedUpAt: 1735689599999 }, 'on'],
    ['epoch milliseconds at', { targetingKey: 'u1', signedUpAt: 1735689600000 }, 'off'],
    ['zone offset moves it before', { targetingKey: 'u1', signedUpAt: '2025-01-01T01:00:00+02:00' }, 'on'],
    ['fractional seconds', { targetingKey: 'u1', signedUpAt: '2024-12-31T23:59:59.999Z' }, 'on'],
    ['date-time without zone is not a date', { targetingKey: 'u1', signedUpAt: '2024-06-01T00:00:00' }, 'off'],
    ['impossible date', { targetingKey: 'u1', signedUpAt: '2024-02-30' }, 'off'],
    ['free text', { targetingKey: 'u1', signedUpAt: 'yesterday' }, 'off'],
    ['boolean attribute', { targetingKey: 'u1', signedUpAt: true }, 'off'],
    ['missing attribute', { targetingKey: 'u1' }, 'off'],
  ], [
    ['before', { targetingKey: 'u1', signedUpAt: '2020-01-01' }, 'off'],
    ['after', { targetingKey: 'u1', signedUpAt: '2030-01-01' }, 'on'],
  ]],
  ['op-after', { attribute: 'signedUpAt', operator: 'after', values: ['2025-01-01', 1767225600000] }, [
    ['after the earliest value', { targetingKey: 'u1', signedUpAt: '2025-01-01T00:00:00.001Z' }, 'on'],
    ['the earliest value itself', { targetingKey: 'u1', signedUpAt: 1735689600000 }, 'off'],
    ['long after', { targetingKey: 'u1', signedUpAt: '2031-05-05T12:00:00-05:00' }, 'on'],
    ['before', { targetingKey: 'u1', signedUpAt: '2024-12-31' }, 'off'],
    ['leap day', { targetingKey: 'u1', signedUpAt: '2028-02-29' }, 'on'],
    ['missing attribute', { targetingKey: 'u1' }, 'off'],
  ], [
    ['after', { targetingKey: 'u1', signedUpAt: '2026-01-01' }, 'off'],
    ['before', { targetingKey: 'u1', signedUpAt: '2024-01-01' }, 'on'],
  ]],
  ['op-segment-match', { operator: 'segmentMatch', values: ['beta-testers', 'staff'] }, [
    ['included key', { targetingKey: 'beta-1' }, 'on'],
    ['excluded key wins over a matching rule', { targetingKey: 'beta-banned', plan: 'beta', country: 'NL' }, 'off'],
    ['included wins over excluded', { targetingKey: 'beta-both' }, 'on'],
    ['segment rule', { targetingKey: 'u1', plan: 'beta', country: 'NL' }, 'on'],
    ['segment rule with a missing attribute does not match', { targetingKey: 'u1', plan: 'beta' }, 'off'],
    ['segment rule needs every clause', { targetingKey: 'u1', plan: 'beta', country: 'US' }, 'off'],
    ['second segment', { targetingKey: 'u1', email: 'ann@example.com' }, 'on'],
    ['in no segment', { targetingKey: 'u1', plan: 'free' }, 'off'],
    ['rules apply without a targeting key', { plan: 'beta', country: 'NL' }, 'on'],
    ['no targeting key and no rule match', {}, 'off'],
  ], [
    ['included key', { targetingKey: 'beta-1' }, 'off'],
    ['in no segment', { targetingKey: 'u1', plan: 'free' }, 'on'],
    ['no attributes: in no segment', {}, 'on'],
  ]],
];

export const operatorsSnapshot = {
  environment: 'test',
  revision: 1,
  segments: {
    'beta-testers': {
      key: 'beta-testers',
      included: ['beta-1', 'beta-both'],
      excluded: ['beta-banned', 'beta-both'],
      rules: [{ clauses: [
        { attribute: 'plan', operator: 'in', values: ['beta'] },
        { attribute: 'country', operator: 'notIn', values: ['US'] },
      ] }],
    },
    staff: { key: 'staff', rules: [{ clauses: [{ attribute: 'email', operator: 'endsWith', values: ['@example.com'] }] }] },
  },
  features: Object.fromEntries(OPERATORS.flatMap(([key, clause]) => [
    [key, booleanFeature(key, [ruleOf(clause)])],
    [`${key}-negated`, booleanFeature(`${key}-negated`, [ruleOf({ ...clause, negate: true })])],
  ])),
};

export const operatorCases = OPERATORS.flatMap(([key, , rows, negatedRows]) => [
  ...ruleCases('operators', key, rows),
  ...ruleCases('operators', `${key}-negated`, negatedRows),
]);
