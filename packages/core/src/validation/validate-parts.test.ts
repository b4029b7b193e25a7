import { describe, expect, it } from 'vitest';
import { sampleSnapshot } from '../test-support/sample-snapshot.js';
import { parseSnapshot } from './parse-snapshot.js';
import { validateFeatureConfig, validateFeatureDefinition } from './validate-feature.js';
import { validateSegment } from './validate-segment.js';

const definition = {
  key: 'dark-mode', description: 'Dark theme', owner: 'web', kind: 'release', type: 'boolean', salt: 'x1',
  variations: [{ key: 'on', value: true }, { key: 'off', value: false }],
};

describe('validateFeatureDefinition', () => {
  it('accepts a valid definition', () => {
    expect(validateFeatureDefinition(definition)).toEqual([]);
  });

  it('requires description and owner, a known kind and type, and at least two variations', () => {
    const { description: _d, owner: _o, ...rest } = definition;
    expect(validateFeatureDefinition({ ...rest, kind: 'temp', type: 'date', variations: [{ key: 'only', value: 1 }] })).toEqual([
      { path: '/description', message: 'must be a string, got undefined undefined' },
      { path: '/owner', message: 'must be a string, got undefined undefined' },
      { path: '/kind', message: 'must be one of release, experiment, operational, kill-switch, permission, got the string "temp"' },
      { path: '/type', message: 'must be one of boolean, string, number, json, got the string "date"' },
      { path: '/variations', message: 'must be an array of 2 to 100 variations, got an array' },
    ]);
  });

  it('refuses keys that are not URL-safe and duplicate variation keys', () => {
    const problems = validateFeatureDefinition({ ...definition, key: 'dark mode', variations: [{ key: 'on', value: true }, { key: 'on', value: false }] });
    expect(problems.map((p) => p.path)).toEqual(['/key', '/variations/1/key']);
  });
});

describe('validateFeatureConfig', () => {
  const references = { segments: new Set(['staff']), variationCounts: new Map([['other', 3]]) };

  it('accepts a valid configuration', () => {
    const config = {
      on: true, offVariation: 1, targets: [{ variation: 0, values: ['u-1'] }],
      rules: [{ clauses: [{ operator: 'segmentMatch', values: ['staff'] }], serve: { variation: 0 } }],
      fallthrough: { rollout: { variations: [{ variation: 0, weight: 1 }, { variation: 1, weight: 99_999 }], bucketBy: 'companyId' } },
      prerequisites: [{ feature: 'other', variation: 2 }],
    };
    expect(validateFeatureConfig(config, definition, references)).toEqual([]);
  });

  it('reports each problem with its path', () => {
    const config = { on: 'yes', offVariation: 1, fallthrough: { variation: 0, rollout: {} }, prerequisites: [{ feature: 'other', variation: 3 }] };
    expect(validateFeatureConfig(config, definition, references)).toEqual([
      { path: '/on', message: 'must be a boolean, got the string "yes"' },
      { path: '/fallthrough', message: 'must have exactly one of "variation" and "rollout"' },
      { path: '/prerequisites/0/variation', message: 'variation 3 does not exist (3 variations)' },
    ]);
  });
});

describe('validateSegment', () => {
  it('accepts a valid segment and reports bad keys and clauses', () => {
    expect(validateSegment(sampleSnapshot().segments['staff'])).toEqual([]);
    expect(validateSegment({ key: 'beta', included: ['ok', ''], rules: [{ clauses: [] }] })).toEqual([
      { path: '/included/1', message: 'must be a non-empty context key, got the string ""' },
      { path: '/rules/0/clauses', message: 'must be a non-empty array, got an array' },
    ]);
  });
});

describe('parseSnapshot', () => {
  it('returns the snapshot when valid, from a value or from JSON text', () => {
    const snapshot = sampleSnapshot();
    expect(parseSnapshot(snapshot)).toEqual({ ok: true, snapshot });
    expect(parseSnapshot(JSON.stringify(snapshot))).toEqual({ ok: true, snapshot });
  });

  it('returns problems, never throwing', () => {
    expect(parseSnapshot('{"environment":')).toEqual({ ok: false, problems: [{ path: '', message: expect.stringMatching(/^not valid JSON/) }] });
    expect(parseSnapshot(undefined)).toMatchObject({ ok: false });
    const hostile = new Proxy({}, { get: () => { throw new Error('boom'); }, ownKeys: () => { throw new Error('boom'); } });
    expect(parseSnapshot(hostile)).toMatchObject({ ok: false, problems: [{ path: '', message: expect.stringMatching(/boom/) }] });
  });

  it('keeps unknown fields, so newer servers can add some', () => {
    const snapshot = { ...sampleSnapshot(), generatedAt: '2025-01-01T00:00:00Z' };
    expect(parseSnapshot(snapshot)).toMatchObject({ ok: true });
  });
});
