import { describe, expect, it } from 'vitest';
import { CACHE_FORMAT, EvaluationCache } from './cache.js';
import { parseFlags } from './ofrep.js';
import { MemoryStorage } from './test-support/memory-storage.js';

const flags = parseFlags([
  { key: 'new-checkout', value: true, variant: 'on', reason: 'STATIC' },
  { key: 'layout', value: { columns: 3 }, variant: 'grid', reason: 'TARGETING_MATCH', metadata: { team: 'shop', bad: { nested: 1 } } },
  { key: 'gradual', errorCode: 'TARGETING_KEY_MISSING', errorDetails: 'no targetingKey' },
])!;

const cacheOn = (storage: Storage | null, token = 'gnt_secret_token') => new EvaluationCache(storage, 'gantry', 'https://gantry.example.com', token);

describe('EvaluationCache', () => {
  it('keeps an evaluation with its ETag, keyed by digests and not by the token or attributes', () => {
    const storage = new MemoryStorage();
    const cache = cacheOn(storage);
    cache.write({ targetingKey: 'alice@example.com', plan: 'premium' }, flags, '"7-abc"');
    const [key] = storage.keys();
    expect(key).toMatch(new RegExp(`^gantry:v${CACHE_FORMAT}:[0-9a-f]{16}:[0-9a-f]{16}$`));
    expect(key).not.toContain('secret');
    expect(key).not.toContain('alice');
    const read = cache.read({ plan: 'premium', targetingKey: 'alice@example.com' });
    expect(read?.etag).toBe('"7-abc"');
    expect([...read!.flags]).toEqual([...flags]);
    expect(read!.flags.get('layout')).toMatchObject({ metadata: { team: 'shop' } });
  });

  it('keys entries by server, token and context', () => {
    const storage = new MemoryStorage();
    cacheOn(storage).write({ targetingKey: 'u1' }, flags, undefined);
    expect(cacheOn(storage).read({ targetingKey: 'u1' })).toBeDefined();
    expect(cacheOn(storage).read({ targetingKey: 'u2' })).toBeUndefined();
    expect(cacheOn(storage, 'gnt_other').read({ targetingKey: 'u1' })).toBeUndefined();
    expect(new EvaluationCache(storage, 'gantry', 'https://other.example.com', 'gnt_secret_token').read({ targetingKey: 'u1' })).toBeUndefined();
  });

  it('keeps one context per server and token, and leaves other keys alone', () => {
    const storage = new MemoryStorage();
    storage.setItem('someone-else', 'x');
    cacheOn(storage, 'gnt_b').write({ targetingKey: 'u1' }, flags, undefined);
    const cache = cacheOn(storage);
    cache.write({ targetingKey: 'u1' }, flags, undefined);
    cache.write({ targetingKey: 'u2' }, flags, undefined);
    expect(cache.read({ targetingKey: 'u1' })).toBeUndefined();
    expect(cache.read({ targetingKey: 'u2' })).toBeDefined();
    expect(cacheOn(storage, 'gnt_b').read({ targetingKey: 'u1' })).toBeDefined();
    expect(storage.getItem('someone-else')).toBe('x');
    expect(storage.length).toBe(3);
  });

  it.each([
    ['not JSON', '{'],
    ['null', 'null'],
    ['a number', '42'],
    ['an array', '[]'],
    ['another format version', JSON.stringify({ format: CACHE_FORMAT + 1, savedAt: 1, flags: [] })],
    ['no savedAt', JSON.stringify({ format: CACHE_FORMAT, flags: [] })],
    ['flags that are not a list', JSON.stringify({ format: CACHE_FORMAT, savedAt: 1, flags: { a: 1 } })],
  ])('ignores an entry that is %s', (_name, garbage) => {
    const storage = new MemoryStorage();
    const cache = cacheOn(storage);
    cache.write({ targetingKey: 'u1' }, flags, undefined);
    storage.setItem(storage.keys()[0]!, garbage);
    expect(cache.read({ targetingKey: 'u1' })).toBeUndefined();
  });

  it('keeps the sound entries of a list and marks keyed junk as PARSE_ERROR', () => {
    const storage = new MemoryStorage();
    const cache = cacheOn(storage);
    cache.write({}, flags, undefined);
    storage.setItem(storage.keys()[0]!, JSON.stringify({
      format: CACHE_FORMAT, savedAt: 1, etag: 7,
      flags: [null, 1, 'x', { key: 5, value: true }, { key: '' }, { key: 'junk' }, { key: 'ok', value: 'v', reason: 9 }, { key: 'odd', errorCode: 'SOMETHING_NEW' }],
    }));
    const read = cache.read({});
    expect(read?.etag).toBeUndefined();
    expect(Object.fromEntries(read!.flags)).toEqual({
      junk: { errorCode: 'PARSE_ERROR', errorDetails: expect.any(String) },
      ok: { value: 'v', variant: undefined, reason: 'UNKNOWN', metadata: undefined },
      odd: { errorCode: 'GENERAL', errorDetails: undefined },
    });
  });

  it('swallows storage that throws (disabled storage, full quota) and works without storage', () => {
    const throwing = new Proxy(new MemoryStorage(), {
      get(target, name) {
        if (name === 'length') throw new DOMException('denied', 'SecurityError');
        const value = Reflect.get(target, name) as unknown;
        return typeof value === 'function' ? () => { throw new DOMException('full', 'QuotaExceededError'); } : value;
      },
    });
    expect(() => cacheOn(throwing).write({}, flags, undefined)).not.toThrow();
    expect(cacheOn(throwing).read({})).toBeUndefined();
    expect(() => cacheOn(null).write({}, flags, undefined)).not.toThrow();
    expect(cacheOn(null).read({})).toBeUndefined();
  });
});
