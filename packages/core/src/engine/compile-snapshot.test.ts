import { describe, expect, it } from 'vitest';
import type { EnvironmentSnapshot } from '../model/snapshot.js';
import { booleanFeature, sampleSnapshot } from '../test-support/sample-snapshot.js';
import { compileSnapshot } from './compile-snapshot.js';

describe('compileSnapshot', () => {
  it('exposes environment, revision, keys and types', () => {
    const engine = compileSnapshot(sampleSnapshot());
    expect(engine.environment).toBe('production');
    expect(engine.revision).toBe(12);
    expect(engine.problems).toEqual([]);
    expect(engine.keys()).toEqual(['new-checkout', 'limits', 'banner']);
    expect(engine.typeOf('limits')).toBe('json');
    expect(engine.typeOf('nope')).toBeUndefined();
  });

  it('returns results with every field, and rule metadata', () => {
    const engine = compileSnapshot(sampleSnapshot());
    expect(engine.evaluate('new-checkout', { targetingKey: 'u-9', email: 'a@example.com' })).toStrictEqual({
      value: true, variant: 'on', variationIndex: 0, reason: 'TARGETING_MATCH', errorCode: undefined, errorMessage: undefined,
      metadata: { ruleIndex: 0, ruleId: 'staff' },
    });
    expect(engine.evaluate('banner', { targetingKey: 'u-9' }).metadata).toEqual({ prerequisiteFailed: 'new-checkout' });
  });

  it('shares frozen results, and serves JSON values no caller can change', () => {
    const snapshot = sampleSnapshot();
    const engine = compileSnapshot(snapshot);
    const first = engine.evaluateObject('limits', {}, {});
    expect(engine.evaluateObject('limits', { targetingKey: 'x' }, {})).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(() => ((first.value as { seats: number }).seats = 99)).toThrow(TypeError);
    // The caller's snapshot stays theirs: not frozen, and changing it later changes nothing.
    const source = snapshot.features['limits']!.variations[0]!.value as { seats: number };
    expect(Object.isFrozen(source)).toBe(false);
    source.seats = 1;
    expect(engine.evaluateObject('limits', {}, {}).value).toEqual({ seats: 3, tags: ['a'] });
  });

  it('evaluates every feature at once, including broken ones', () => {
    const snapshot = sampleSnapshot();
    const features = { ...snapshot.features, broken: { ...booleanFeature('broken'), offVariation: 7 } };
    const all = compileSnapshot({ ...snapshot, features }).evaluateAll({ targetingKey: 'u-1' });
    expect(Object.keys(all)).toEqual(['new-checkout', 'limits', 'banner', 'broken']);
    expect(all['new-checkout']).toMatchObject({ value: true, reason: 'TARGETING_MATCH' });
    expect(all['banner']).toMatchObject({ value: true, reason: 'DEFAULT' });
    expect(all['broken']).toMatchObject({ value: undefined, reason: 'ERROR', errorCode: 'PARSE_ERROR' });
    expect(all['broken']?.errorMessage).toBe('feature "broken" is invalid: /features/broken/offVariation: variation 7 does not exist (2 variations)');
  });

  it('lists compile problems and isolates the broken feature', () => {
    const snapshot = sampleSnapshot();
    const features = { ...snapshot.features, broken: { ...booleanFeature('broken'), type: 'string' } } as EnvironmentSnapshot['features'];
    const engine = compileSnapshot({ ...snapshot, features });
    expect(engine.problems.map((p) => p.path)).toEqual(['/features/broken/variations/0/value', '/features/broken/variations/1/value']);
    expect(engine.evaluate('broken', {}, 'x')).toMatchObject({ value: 'x', errorCode: 'PARSE_ERROR' });
    expect(engine.evaluate('limits', {})).toMatchObject({ variant: 'basic', reason: 'STATIC' });
  });
});

describe('evaluation never throws', () => {
  const engine = compileSnapshot(sampleSnapshot());
  const hostileContexts: [string, unknown][] = [
    ['a getter that throws', Object.defineProperty({ targetingKey: 'x' }, 'country', { get: () => { throw new Error('getter'); }, enumerable: true })],
    ['a proxy that throws', new Proxy({}, { get: () => { throw new Error('proxy'); }, has: () => { throw new Error('proxy'); } })],
    ['a number', 42],
    ['a string', 'user-1'],
    ['an array', ['x']],
    ['a context whose attributes shadow Object.prototype', { targetingKey: 'x', constructor: 'NL', toString: 7 }],
  ];

  it.each(hostileContexts)('with %s as context', (_name, context) => {
    for (const key of ['new-checkout', 'limits', 'banner', 'missing']) {
      const result = engine.evaluate(key, context as never, undefined);
      expect(['STATIC', 'TARGETING_MATCH', 'SPLIT', 'DEFAULT', 'DISABLED', 'ERROR']).toContain(result.reason);
    }
    expect(() => engine.evaluateAll(context as never)).not.toThrow();
  });

  it('reports an exception inside evaluation as GENERAL with the default', () => {
    const result = engine.evaluateBoolean('new-checkout', hostileContexts[1]![1] as never, true);
    expect(result).toMatchObject({ value: true, reason: 'ERROR', errorCode: 'GENERAL' });
    expect(result.errorMessage).toMatch(/proxy/);
  });

  it.each([[Symbol('k')], [10n], [null], [{}], [Object.create(null)]])('with %s as feature key', (key) => {
    expect(engine.evaluate(key as never, {}, false)).toMatchObject({ value: false, errorCode: 'FLAG_NOT_FOUND' });
  });

  it.each([[10n], [Symbol('d')], [() => true]])('with %s as default value', (fallback) => {
    expect(engine.evaluate('new-checkout', { targetingKey: 'u-1' }, fallback as never)).toMatchObject({ errorCode: 'TYPE_MISMATCH' });
  });

  it.each([[null], [undefined], [42], ['snapshot'], [[]], [{ features: null }], [{ features: { a: null }, segments: 7 }]])('compiling %j', (snapshot) => {
    const compiled = compileSnapshot(snapshot as never);
    expect(compiled.evaluate('a', {}, true)).toMatchObject({ value: true, reason: 'ERROR' });
    expect(compiled.problems.length).toBeGreaterThan(0);
  });

  it('ignores attributes inherited from Object.prototype', () => {
    const snapshot = sampleSnapshot();
    const features = {
      proto: booleanFeature('proto', { rules: [{ clauses: [{ attribute: 'constructor', operator: 'in', values: ['x'], negate: true }], serve: { variation: 0 } }], fallthrough: { variation: 1 } }),
    };
    const compiled = compileSnapshot({ ...snapshot, features });
    expect(compiled.evaluate('proto', {}).reason).toBe('DEFAULT');
    expect(compiled.evaluate('proto', { constructor: 'y' }).reason).toBe('TARGETING_MATCH');
  });
});

describe('compiling hostile input', () => {
  it('never throws, even when reading the snapshot throws', () => {
    const snapshot = sampleSnapshot();
    const segments = Object.defineProperty({}, 'staff', { enumerable: true, get: () => { throw new Error('segment getter'); } });
    const compiled = compileSnapshot({ ...snapshot, segments } as never);
    expect(compiled.problems[0]?.message).toMatch(/segment getter/);
    expect(compiled.evaluate('new-checkout', {}, false)).toMatchObject({ value: false, reason: 'ERROR' });
    const revoked = Proxy.revocable({}, {});
    revoked.revoke();
    expect(() => compileSnapshot(revoked.proxy as never)).not.toThrow();
  });
});
