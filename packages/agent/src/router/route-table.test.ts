import { describe, expect, it } from 'vitest';
import { RouteTableError } from '../errors.js';
import { murmur3 } from '@gantry/core';
import { stickyBucket, stickyPrefix, WEIGHT_TOTAL } from './bucket.js';
import { compileRouteTable, nextUpstream, parseUpstream, versionForBucket } from './route-table.js';
import { readCookie, selectVersion } from './select.js';

const two = (blue: number, green: number) =>
  compileRouteTable(
    {
      versions: [
        { version: 'blue', upstreams: ['127.0.0.1:1001', '127.0.0.1:1002'], weight: blue },
        { version: 'green', upstreams: ['127.0.0.1:2001'], weight: green },
      ],
    },
    1,
  );

describe('route table validation', () => {
  it('lets a single version leave out its weight', () => {
    const table = compileRouteTable({ versions: [{ version: '1', upstreams: ['localhost:80'] }] }, 1);
    expect(table.versions[0]?.weight).toBe(WEIGHT_TOTAL);
  });

  it.each([
    [{ versions: [{ version: 'a', upstreams: ['h:1'], weight: 50_000 }, { version: 'b', upstreams: ['h:2'], weight: 40_000 }] }, /add up to 90000/],
    [{ versions: [{ version: 'a', upstreams: ['h:1'] }, { version: 'b', upstreams: ['h:2'], weight: 0 }] }, /needs a weight/],
    [{ versions: [{ version: 'a', upstreams: ['h:1'], weight: 1 }, { version: 'a', upstreams: ['h:2'], weight: 1 }] }, /appears twice/],
    [{ versions: [{ version: 'a', upstreams: [] }] }, /no upstreams/],
    [{ versions: [{ version: 'a', upstreams: ['nohost'] }] }, /not host:port/],
    [{ versions: [{ version: 'a', upstreams: ['h:70000'] }] }, /not host:port/],
    [{ versions: [{ version: 'a', upstreams: ['h:1'], weight: 1.5 }] }, /integer/],
    [{ versions: [{ version: 'a', upstreams: ['h:1'] }], headerRoutes: [{ header: 'x-v', value: '2', version: 'b' }] }, /unknown version "b"/],
    [{ versions: [{ version: 'a', upstreams: ['h:1'] }], stickiness: { cookie: 'bad name' } }, /not a cookie name/],
  ])('rejects an invalid table (%#)', (table, message) => {
    expect(() => compileRouteTable(table as never, 1)).toThrow(RouteTableError);
    expect(() => compileRouteTable(table as never, 1)).toThrow(message);
  });

  it('accepts an empty table and weight-0 (dark) versions', () => {
    expect(compileRouteTable({ versions: [] }, 1).weighted).toHaveLength(0);
    const dark = compileRouteTable(
      {
        versions: [
          { version: '1', upstreams: ['h:1'], weight: WEIGHT_TOTAL },
          { version: '2', upstreams: ['h:2'], weight: 0 },
        ],
        headerRoutes: [{ header: 'X-Gantry-Version', value: '2', version: '2' }],
      },
      1,
    );
    expect(dark.weighted.map((v) => v.version)).toEqual(['1']);
    expect(dark.headerRoutes[0]?.header).toBe('x-gantry-version');
  });

  it('parses IPv4, names and bracketed IPv6 upstreams', () => {
    expect(parseUpstream('127.0.0.1:8080')).toMatchObject({ host: '127.0.0.1', port: 8080 });
    expect(parseUpstream('app.internal:80')).toMatchObject({ host: 'app.internal', port: 80 });
    expect(parseUpstream('[::1]:9000')).toMatchObject({ host: '::1', port: 9000 });
  });
});

describe('version choice', () => {
  it('gives bucket ranges in the order of the versions', () => {
    const table = two(90_000, 10_000);
    expect(versionForBucket(table, 0)?.version).toBe('blue');
    expect(versionForBucket(table, 89_999)?.version).toBe('blue');
    expect(versionForBucket(table, 90_000)?.version).toBe('green');
    expect(versionForBucket(table, 99_999)?.version).toBe('green');
  });

  it('keeps sticky users on the canary while its weight grows', () => {
    const keys = Array.from({ length: 5000 }, (_, i) => `user-${i}`);
    const on = (green: number) => new Set(keys.filter((k) => versionForBucket(two(WEIGHT_TOTAL - green, green), stickyBucket('shop', k))?.version === 'green'));
    const at5 = on(5_000);
    const at25 = on(25_000);
    for (const k of at5) expect(at25.has(k)).toBe(true);
    expect(at5.size / keys.length).toBeGreaterThan(0.03);
    expect(at5.size / keys.length).toBeLessThan(0.07);
  });

  it('routes by header route first, then sticky header, then cookie', () => {
    const table = compileRouteTable(
      {
        versions: [
          { version: 'blue', upstreams: ['h:1'], weight: 50_000 },
          { version: 'green', upstreams: ['h:2'], weight: 50_000 },
          { version: 'dark', upstreams: ['h:3'], weight: 0 },
        ],
        stickiness: { header: 'X-User', cookie: 'sid' },
        headerRoutes: [{ header: 'x-gantry-version', value: 'dark', version: 'dark' }],
      },
      1,
    );
    const prefix = stickyPrefix('shop');
    const never = () => {
      throw new Error('sticky requests must not draw a random number');
    };
    expect(selectVersion(table, { 'x-gantry-version': 'dark', 'x-user': 'u' }, prefix, never)?.version).toBe('dark');
    const byHeader = selectVersion(table, { 'x-user': 'alice' }, prefix, never)?.version;
    expect(selectVersion(table, { 'x-user': 'alice', cookie: 'sid=zzz' }, prefix, never)?.version).toBe(byHeader);
    const byCookie = selectVersion(table, { cookie: 'a=1; sid=bob; b=2' }, prefix, never)?.version;
    expect(byCookie).toBe(versionForBucket(table, stickyBucket('shop', 'bob'))?.version);
    expect(selectVersion(table, {}, prefix, () => 0.1)?.version).toBe('blue');
    expect(selectVersion(table, {}, prefix, () => 0.9)?.version).toBe('green');
  });

  it('round-robins across the instances of a version and avoids a failed one on retry', () => {
    const blue = two(WEIGHT_TOTAL, 0).versions[0]!;
    const picks = [nextUpstream(blue), nextUpstream(blue), nextUpstream(blue)].map((u) => u?.port);
    expect(picks).toEqual([1001, 1002, 1001]);
    const failed = nextUpstream(blue)!;
    expect(nextUpstream(blue, failed)).not.toBe(failed);
  });
});

describe('sticky bucket', () => {
  it('is the flag engine hash of "<service>.<value>", pinned', () => {
    const values = ['alice', 'user-42', 'séssion-ü'];
    expect(values.map((v) => stickyBucket('shop', v))).toEqual(values.map((v) => murmur3(`shop.${v}`) % 100_000));
    expect(values.map((v) => stickyBucket('shop', v))).toEqual([62483, 39550, 11341]);
    expect(stickyBucket('web', 'alice')).not.toBe(stickyBucket('shop', 'alice'));
  });

  it('spreads values evenly over the buckets', () => {
    const tenths = new Array(10).fill(0);
    for (let i = 0; i < 20_000; i++) tenths[Math.floor(stickyBucket('shop', `key-${i}`) / 10_000)]++;
    for (const n of tenths) expect(Math.abs(n - 2000)).toBeLessThan(200);
  });

  it('reads cookies, quoted or not', () => {
    expect(readCookie('a=1; sid=abc; b=2', 'sid')).toBe('abc');
    expect(readCookie('sid="q"', 'sid')).toBe('q');
    expect(readCookie('xsid=1', 'sid')).toBeUndefined();
    expect(readCookie(undefined, 'sid')).toBeUndefined();
  });
});
