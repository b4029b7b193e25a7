import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { digest, keyValue, name, parseTime, positiveInteger, version } from './parse.js';

const now = Date.parse('2025-07-01T12:00:00Z');

describe('parseTime', () => {
  it.each([
    ['2h', 'future', '2025-07-01T14:00:00.000Z'],
    ['2h', 'past', '2025-07-01T10:00:00.000Z'],
    ['+1d12h', 'past', '2025-07-03T00:00:00.000Z'],
    ['-30m', 'future', '2025-07-01T11:30:00.000Z'],
    ['1w', 'future', '2025-07-08T12:00:00.000Z'],
    ['now', 'future', '2025-07-01T12:00:00.000Z'],
    ['2025-08-01', 'future', '2025-08-01T00:00:00.000Z'],
    ['2025-08-01T18:30:00Z', 'future', '2025-08-01T18:30:00.000Z'],
    ['2025-08-01T18:30:00+02:00', 'future', '2025-08-01T16:30:00.000Z'],
  ] as const)('reads %s looking to the %s', (text, direction, expected) => {
    expect(parseTime(text, direction, now)).toBe(expected);
  });

  it.each(['tomorrow', '1', '2h30', '2025-13-45', '2025-07-01T25:00:00Z', ''])('refuses %j', (text) => {
    expect(() => parseTime(text, 'future', now)).toThrow(InvalidArgumentError);
  });
});

describe('argument checks', () => {
  it('accepts ids that are positive whole numbers only', () => {
    expect(positiveInteger('42')).toBe(42);
    for (const bad of ['0', '-1', '1.5', '1e3', 'abc', '99999999999999999999']) expect(() => positiveInteger(bad)).toThrow(InvalidArgumentError);
  });

  it('collects metadata as key=value, the last value of a key winning', () => {
    expect(keyValue('b=2=3', keyValue('a=1'))).toEqual({ a: '1', b: '2=3' });
    expect(keyValue('a=', keyValue('a=1'))).toEqual({ a: '' });
    expect(() => keyValue('=1')).toThrow(InvalidArgumentError);
  });

  it('checks names, versions and digests as the server does', () => {
    expect(name('checkout-api')).toBe('checkout-api');
    expect(() => name('Checkout')).toThrow(InvalidArgumentError);
    expect(version('2024.06.01+build.7')).toBe('2024.06.01+build.7');
    expect(() => version('-1')).toThrow(InvalidArgumentError);
    expect(() => digest(`sha256:${'A'.repeat(64)}`)).toThrow(InvalidArgumentError);
    expect(digest(`sha512:${'0'.repeat(128)}`)).toMatch(/^sha512:/);
  });
});
