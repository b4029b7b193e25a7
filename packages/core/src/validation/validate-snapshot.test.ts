import { describe, expect, it } from 'vitest';
import { booleanFeature, sampleSnapshot } from '../test-support/sample-snapshot.js';
import { findPrerequisiteCycles } from './prerequisite-cycles.js';
import { validateSnapshot } from './validate-snapshot.js';

/** The sample snapshot with one feature replaced or added. */
function withFeature(key: string, feature: unknown): unknown {
  const snapshot = sampleSnapshot();
  return { ...snapshot, features: { ...snapshot.features, [key]: feature } };
}

describe('validateSnapshot', () => {
  it('accepts a valid snapshot', () => {
    expect(validateSnapshot(sampleSnapshot())).toEqual([]);
  });

  it.each([null, 42, 'text', []])('refuses %j as a snapshot', (input) => {
    expect(validateSnapshot(input)).toEqual([{ path: '', message: expect.stringMatching(/^a snapshot must be an object/) }]);
  });

  it('reports envelope problems with their paths', () => {
    expect(validateSnapshot({ environment: '', revision: 1.5, features: [], segments: null })).toEqual([
      { path: '/environment', message: 'must be a non-empty string, got the string ""' },
      { path: '/revision', message: 'must be a non-negative integer, got number 1.5' },
      { path: '/segments', message: 'must be an object keyed by segment key, got null' },
      { path: '/features', message: 'must be an object keyed by feature key, got an array' },
    ]);
  });

  it('reports a variation value of the wrong type', () => {
    const feature = booleanFeature('f', { variations: [{ key: 'on', value: true }, { key: 'off', value: 0 }] });
    expect(validateSnapshot(withFeature('f', feature))).toEqual([
      { path: '/features/f/variations/1/value', message: 'must be a boolean for a boolean feature, got number 0' },
    ]);
  });

  it('reports json variations that are not plain JSON objects or arrays', () => {
    const feature = { ...booleanFeature('f'), type: 'json', variations: [{ key: 'a', value: 'text' }, { key: 'b', value: { n: Number.NaN } }] };
    expect(validateSnapshot(withFeature('f', feature)).map((p) => p.path)).toEqual(['/features/f/variations/0/value', '/features/f/variations/1/value']);
  });

  it('reports unknown variation indexes wherever they appear', () => {
    const feature = booleanFeature('f', {
      offVariation: 2,
      targets: [{ variation: -1, values: ['a'] }],
      rules: [{ clauses: [{ attribute: 'a', operator: 'in', values: [1] }], serve: { variation: 1.5 } }],
      fallthrough: { rollout: { variations: [{ variation: 0, weight: 50_000 }, { variation: 9, weight: 50_000 }] } },
    });
    expect(validateSnapshot(withFeature('f', feature))).toEqual([
      { path: '/features/f/offVariation', message: 'variation 2 does not exist (2 variations)' },
      { path: '/features/f/targets/0/variation', message: 'variation -1 does not exist (2 variations)' },
      { path: '/features/f/rules/0/serve/variation', message: 'must be a variation index (an integer), got number 1.5' },
      { path: '/features/f/fallthrough/rollout/variations/1/variation', message: 'variation 9 does not exist (2 variations)' },
    ]);
  });

  it('reports weights that do not sum to 100000', () => {
    const feature = booleanFeature('f', { fallthrough: { rollout: { variations: [{ variation: 0, weight: 25_000 }, { variation: 1, weight: 70_000 }] } } });
    expect(validateSnapshot(withFeature('f', feature))).toEqual([
      { path: '/features/f/fallthrough/rollout/variations', message: 'weights sum to 95000, expected 100000 (100 %)' },
    ]);
  });

  it('reports a dangerous regular expression', () => {
    const feature = booleanFeature('f', { rules: [{ clauses: [{ attribute: 'email', operator: 'matches', values: ['^(\\w+\\s?)*$'] }], serve: { variation: 0 } }] });
    expect(validateSnapshot(withFeature('f', feature))).toEqual([
      { path: '/features/f/rules/0/clauses/0/values/0', message: 'nested quantifier: a repeated group contains a quantified item' },
    ]);
  });

  it('reports unknown segments, operators and clause values of the wrong type', () => {
    const feature = booleanFeature('f', {
      rules: [{
        clauses: [
          { operator: 'segmentMatch', values: ['ghosts'] },
          { attribute: 'age', operator: 'gte', values: ['18'] },
          { attribute: 'v', operator: 'semverGt', values: ['1.2'] },
          { attribute: 'd', operator: 'before', values: ['2025-01-01T10:00'] },
          { attribute: 'x', operator: 'like' as never, values: ['a'] },
          { attribute: '', operator: 'in', values: [] },
        ],
        serve: { variation: 0 },
      }],
    });
    expect(validateSnapshot(withFeature('f', feature)).map((p) => `${p.path} ${p.message.split(',')[0]}`)).toEqual([
      '/features/f/rules/0/clauses/0/values/0 unknown segment "ghosts"',
      '/features/f/rules/0/clauses/1/values/0 must be a finite number',
      '/features/f/rules/0/clauses/2/values/0 must be a semantic version such as "1.4.0"',
      '/features/f/rules/0/clauses/3/values/0 must be epoch milliseconds or an ISO 8601 date or date-time with a zone',
      '/features/f/rules/0/clauses/4/operator unknown operator the string "like"; expected one of in',
      '/features/f/rules/0/clauses/5/attribute must be an attribute name (1 to 256 characters)',
      '/features/f/rules/0/clauses/5/values must be a non-empty array',
    ]);
  });

  it('refuses segmentMatch inside a segment', () => {
    const snapshot = sampleSnapshot();
    const segments = { ...snapshot.segments, nested: { key: 'nested', rules: [{ clauses: [{ operator: 'segmentMatch', values: ['staff'] }] }] } };
    expect(validateSnapshot({ ...snapshot, segments })).toEqual([
      { path: '/segments/nested/rules/0/clauses/0/operator', message: 'segment rules may not use segmentMatch' },
    ]);
  });

  it('reports prerequisite cycles on every feature in them', () => {
    const snapshot = sampleSnapshot();
    const features = {
      ...snapshot.features,
      a: booleanFeature('a', { prerequisites: [{ feature: 'b', variation: 0 }] }),
      b: booleanFeature('b', { prerequisites: [{ feature: 'c', variation: 0 }] }),
      c: booleanFeature('c', { prerequisites: [{ feature: 'a', variation: 1 }] }),
    };
    expect(validateSnapshot({ ...snapshot, features })).toEqual(['a', 'b', 'c'].map((key) => ({
      path: `/features/${key}/prerequisites`, message: 'prerequisite cycle: a → b → c → a',
    })));
  });

  it('reports unknown prerequisites and variations of prerequisites', () => {
    const feature = booleanFeature('f', { prerequisites: [{ feature: 'ghost', variation: 0 }, { feature: 'limits', variation: 4 }, { feature: 'f', variation: 0 }] });
    expect(validateSnapshot(withFeature('f', feature))).toEqual([
      { path: '/features/f/prerequisites/0/feature', message: 'unknown feature "ghost"' },
      { path: '/features/f/prerequisites/1/variation', message: 'variation 4 does not exist (2 variations)' },
      { path: '/features/f/prerequisites/2/feature', message: 'a feature cannot be its own prerequisite' },
    ]);
  });

  it('reports keys that differ from their place, and escapes paths', () => {
    expect(validateSnapshot(withFeature('a/b', booleanFeature('other')))).toEqual([
      { path: '/features/a~1b/key', message: 'must equal its key in the snapshot, "a/b"' },
    ]);
  });

  it('reports targets given twice and duplicate rule ids', () => {
    const feature = booleanFeature('f', {
      targets: [{ variation: 0, values: ['u'] }, { variation: 1, values: ['u'] }],
      rules: [{ id: 'r', clauses: [{ attribute: 'a', operator: 'in', values: [1] }], serve: { variation: 0 } }, { id: 'r', clauses: [{ attribute: 'a', operator: 'in', values: [2] }], serve: { variation: 0 } }],
    });
    expect(validateSnapshot(withFeature('f', feature))).toEqual([
      { path: '/features/f/targets/1/values/0', message: 'context key "u" is targeted twice' },
      { path: '/features/f/rules/1/id', message: 'duplicate rule id "r"' },
    ]);
  });
});

describe('findPrerequisiteCycles', () => {
  it('finds self-loops and long cycles but not chains', () => {
    const features: Record<string, { prerequisites: { feature: string }[] }> = { self: { prerequisites: [{ feature: 'self' }] } };
    for (let i = 0; i < 5000; i++) features[`n${i}`] = { prerequisites: i > 0 ? [{ feature: `n${i - 1}` }] : [] };
    features['n0']!.prerequisites.push({ feature: 'n4999' });
    features['tail'] = { prerequisites: [{ feature: 'n10' }] };
    const cycles = findPrerequisiteCycles(features);
    expect(cycles.map((c) => c.length).sort((a, b) => a - b)).toEqual([1, 5000]);
  });
});
