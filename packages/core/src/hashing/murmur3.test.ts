import { describe, expect, it } from 'vitest';
import { referenceHash } from '../../scripts/cases/reference-hash.mjs';
import { murmur3, murmur3Continue, murmur3Prefix } from './murmur3.js';

describe('murmur3 (x86, 32-bit, seed 0, UTF-8)', () => {
  it.each([
    ['', 0],
    ['hello', 0x248bfa47],
    ['The quick brown fox jumps over the lazy dog', 0x2e4ff723],
  ])('hashes %j to the published value', (text, expected) => {
    expect(murmur3(text)).toBe(expected);
  });

  const samples = ['a', 'ab', 'abc', 'abcd', 'abcde', 'héllo wörld', '日本語', '😀 emoji 🎉', 'x\uD800y', '\uDC00', 'end\uD83D', 'ß'.repeat(33)];

  it.each(samples)('matches a byte-wise reference for %j', (text) => {
    expect(murmur3(text)).toBe(referenceHash(text));
  });

  it('encodes lone surrogates as U+FFFD, like TextEncoder', () => {
    expect(murmur3('a\uD800b')).toBe(murmur3('a\uFFFDb'));
  });

  it('continues from a prefix exactly as if hashing the whole string', () => {
    const splitsPair = (text: string, cut: number): boolean => /[\uD800-\uDBFF]/.test(text[cut - 1] ?? '') && /[\uDC00-\uDFFF]/.test(text[cut] ?? '');
    for (const text of samples) {
      for (let cut = 0; cut <= text.length; cut++) {
        if (splitsPair(text, cut)) continue;
        expect(murmur3Continue(murmur3Prefix(text.slice(0, cut)), text.slice(cut))).toBe(murmur3(text));
      }
    }
  });

  it('matches the reference on pseudo-random strings', () => {
    let seed = 7;
    const next = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
    for (let i = 0; i < 2000; i++) {
      const length = next() % 24;
      let text = '';
      for (let j = 0; j < length; j++) {
        const kind = next() % 4;
        text += String.fromCharCode(kind === 0 ? 0x20 + (next() % 95) : kind === 1 ? 0x80 + (next() % 0x780) : kind === 2 ? 0x800 + (next() % 0xf700) : 0xd800 + (next() % 0x800));
      }
      expect(murmur3(text)).toBe(referenceHash(text));
    }
  });
});
