import { describe, expect, it } from 'vitest';
import { parseIsoInstant, toInstant } from './dates.js';
import { regexProblem } from './safe-regex.js';
import { compareSemVer, parseSemVer } from './semver.js';

describe('semantic versions', () => {
  const ordered = ['1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.beta', '1.0.0-beta', '1.0.0-beta.2', '1.0.0-beta.11', '1.0.0-rc.1', '1.0.0', '1.0.1', '1.10.0', '2.0.0'];

  it('orders by semver precedence', () => {
    for (let i = 0; i < ordered.length; i++) {
      for (let j = 0; j < ordered.length; j++) {
        const order = compareSemVer(parseSemVer(ordered[i])!, parseSemVer(ordered[j])!);
        expect(Math.sign(order)).toBe(Math.sign(i - j));
      }
    }
  });

  it('ignores build metadata', () => {
    expect(compareSemVer(parseSemVer('1.2.3+a')!, parseSemVer('1.2.3+b')!)).toBe(0);
  });

  it.each(['1.2', 'v1.2.3', '01.2.3', '1.2.3-', '1.2.3-01', '', ' 1.2.3', '1.2.3.4', `1.2.3-${'a'.repeat(300)}`, 123, null])('rejects %j', (text) => {
    expect(parseSemVer(text)).toBeUndefined();
  });
});

describe('instants', () => {
  it.each([
    ['2025-03-01', Date.UTC(2025, 2, 1)],
    ['2025-03-01T09:30Z', Date.UTC(2025, 2, 1, 9, 30)],
    ['2025-03-01T09:30:15.250Z', Date.UTC(2025, 2, 1, 9, 30, 15, 250)],
    ['2025-03-01T00:00:00+01:00', Date.UTC(2025, 1, 28, 23)],
    ['2025-03-01T00:00:00-05:30', Date.UTC(2025, 2, 1, 5, 30)],
    ['2024-02-29', Date.UTC(2024, 1, 29)],
  ])('parses %s', (text, expected) => {
    expect(parseIsoInstant(text)).toBe(expected);
  });

  it.each(['2025-02-29', '2025-13-01', '2025-03-01T24:00Z', '2025-03-01T09:30', '2025-3-1', 'March 1', '2025-03-01T09:30:00+25:00'])('rejects %s', (text) => {
    expect(parseIsoInstant(text)).toBeUndefined();
  });

  it('takes finite numbers as epoch milliseconds', () => {
    expect(toInstant(0)).toBe(0);
    expect(toInstant(Number.NaN)).toBeUndefined();
    expect(toInstant(Number.POSITIVE_INFINITY)).toBeUndefined();
    expect(toInstant(true)).toBeUndefined();
  });
});

describe('regular expression guard', () => {
  it.each(['^[a-z]+@example\\.com$', '^(foo|bar)$', 'a{2,3}b', '(?:ab)+', '^\\d{3}-\\d{4}$', '[(+*)]+', '\\(a+\\)+', '(ab)?c'])('accepts %s', (pattern) => {
    expect(regexProblem(pattern)).toBeUndefined();
  });

  it.each([
    ['(a+)+$', /nested quantifier/],
    ['(a*)*', /nested quantifier/],
    ['([a-z]+)*@', /nested quantifier/],
    ['(a?){20}', /nested quantifier/],
    ['((ab)+c)+', /nested quantifier/],
    ['(\\d+){2,}', /nested quantifier/],
    ['(a|aa)+', /alternatives/],
    ['(a)\\1', /backreferences/],
    ['(?<x>a)\\k<x>', /backreferences/],
    ['([a-z', /invalid regular expression/],
    ['a'.repeat(600), /longer than/],
  ])('rejects %s', (pattern, message) => {
    expect(regexProblem(pattern)).toMatch(message);
  });
});
