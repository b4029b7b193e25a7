import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { createBody, staleness } from './commands/features.js';
import { releaseBody } from './commands/releases.js';
import { UsageError } from './errors.js';
import { percent, ruleOption, variationValue } from './targeting.js';

const day = 86_400_000;
const now = Date.parse('2025-07-01T12:00:00Z');
const ago = (days: number) => new Date(now - days * day).toISOString();

describe('staleness', () => {
  it('marks features older than their kind\'s lifetime, never permanent kinds', () => {
    expect(staleness({ kind: 'release', createdAt: ago(55) }, now)).toBe('stale (55d old, release features live 40d)');
    expect(staleness({ kind: 'release', createdAt: ago(40) }, now)).toBeUndefined();
    expect(staleness({ kind: 'operational', createdAt: ago(8) }, now)).toBe('stale (8d old, operational features live 7d)');
    expect(staleness({ kind: 'kill-switch', createdAt: ago(900) }, now)).toBeUndefined();
    expect(staleness({ kind: 'permission', createdAt: ago(900) }, now)).toBeUndefined();
  });
});

describe('percent', () => {
  it.each(['0', '25', '0.5', '33.333', '100', '100.0'])('accepts %s', (text) => expect(percent(text)).toBe(Number(text)));
  it.each(['150', '100.001', '1.23456', '-1', '1e1', '', ' 5', '25%', 'abc'])('refuses %j', (text) => {
    expect(() => percent(text)).toThrow(InvalidArgumentError);
  });
});

describe('variation values', () => {
  it('reads JSON, and plain text for string features', () => {
    expect(variationValue('string', 'a', 'blue')).toBe('blue');
    expect(variationValue('string', 'a', '"blue"')).toBe('blue');
    expect(variationValue('string', 'a', '3')).toBe('3');
    expect(variationValue('number', 'a', '2.5')).toBe(2.5);
    expect(variationValue('json', 'a', '{"n":[1,2]}')).toEqual({ n: [1, 2] });
    expect(variationValue('boolean', 'a', 'true')).toBe(true);
    expect(() => variationValue('json', 'a', '3')).toThrow(UsageError);
    expect(() => variationValue('number', 'a', '"3"')).toThrow(UsageError);
  });

  it('builds the create body, with on/off indexes checked', () => {
    expect(createBody('flag', { type: 'boolean' })).toEqual({ key: 'flag', type: 'boolean' });
    expect(createBody('size', { type: 'number', variation: [{ key: 's', text: '1' }, { key: 'm', text: '2' }, { key: 'l', text: '3' }], onVariation: 2, kind: 'operational' }))
      .toEqual({ key: 'size', type: 'number', variations: [{ key: 's', value: 1 }, { key: 'm', value: 2 }, { key: 'l', value: 3 }], onVariation: 2, offVariation: 0, kind: 'operational' });
    expect(createBody('flag', { type: 'boolean', onVariation: 1 })).toEqual({ key: 'flag', type: 'boolean', onVariation: 1, offVariation: 0 });
    expect(() => createBody('flag', { type: 'boolean', offVariation: 0 })).toThrow(/must differ/);
    expect(() => createBody('size', { type: 'number', variation: [{ key: 's', text: '1' }, { key: 'm', text: '2' }], onVariation: 1, offVariation: 1 })).toThrow(/must differ/);
    expect(() => createBody('x', { type: 'string', variation: [{ key: 'a', text: 'a' }] })).toThrow(/at least two --variation/);
  });
});

describe('rules', () => {
  it('reads ATTRIBUTE:OPERATOR:VALUES with typed values', () => {
    expect(ruleOption('country:in:NL,BE')).toEqual([{ clauses: [{ attribute: 'country', operator: 'in', values: ['NL', 'BE'] }] }]);
    expect(ruleOption('age:gte:18', [])[0]!.clauses[0]).toMatchObject({ values: [18] });
    expect(ruleOption('signup:after:2025-01-01T00:00:00Z')[0]!.clauses[0]).toMatchObject({ values: ['2025-01-01T00:00:00Z'] });
    expect(ruleOption('signup:before:1735689600000')[0]!.clauses[0]).toMatchObject({ values: [1735689600000] });
    expect(ruleOption('b:in:x', ruleOption('a:in:y'))).toHaveLength(2);
  });

  it.each(['country', 'country:in', 'country:in:', 'age:gt:old', 'x:segmentMatch:beta', 'v:semverGt:one', 'e:matches:(a+)+$'])('refuses %j', (text) => {
    expect(() => ruleOption(text)).toThrow(InvalidArgumentError);
  });
});

describe('release body', () => {
  it('takes exactly one action', () => {
    expect(releaseBody({ env: 'prod', percent: 25, reason: 'r' })).toEqual({ action: 'percent', percent: 25, reason: 'r' });
    expect(releaseBody({ env: 'prod', percent: 0 })).toEqual({ action: 'percent', percent: 0 });
    expect(releaseBody({ env: 'prod', segment: 'beta' })).toEqual({ action: 'segment', segment: 'beta' });
    expect(() => releaseBody({ env: 'prod', on: true, percent: 0 })).toThrow(/got --on and --percent/);
    expect(() => releaseBody({ on: true })).toThrow(/--env/);
    expect(() => releaseBody({ env: 'prod' })).toThrow(/say what to release/);
  });
});
