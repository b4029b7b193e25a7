import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../test-support/harness.js';

/** Reading back the evaluation counts SDKs report: totals and a series per variant. */
let t: TestApp;
let sdk: string;
let read: string;
const path = '/api/v1/features/dark-mode/environments/production/evaluations';

beforeAll(async () => {
  t = await testApp();
  await t.call('POST', '/api/v1/environments', { body: { name: 'production' } });
  await t.call('POST', '/api/v1/features', { body: { key: 'dark-mode' } });
  sdk = await t.token('sdk-server:production');
  read = await t.token('read');
});
afterAll(() => t.close());

const minute = (minutesAgo: number) => new Date(Math.floor(Date.now() / 60_000) * 60_000 - minutesAgo * 60_000).toISOString();

describe('GET /api/v1/features/{key}/environments/{environment}/evaluations', () => {
  it('sums what SDKs reported per variant, by minute or by hour, leaving out empty buckets', async () => {
    const report = (evaluations: { variant: string; count: number; minute: string }[]) =>
      t.call('POST', '/api/v1/sdk/events', { token: sdk, body: { evaluations: evaluations.map((e) => ({ feature: 'dark-mode', ...e })) } });
    expect((await report([{ variant: 'on', count: 5, minute: minute(3) }, { variant: 'off', count: 2, minute: minute(3) }])).statusCode).toBe(202);
    // A second SDK reporting the same minute adds up.
    expect((await report([{ variant: 'on', count: 4, minute: minute(3) }, { variant: 'on', count: 1, minute: minute(1) }])).statusCode).toBe(202);

    const byMinute = await t.call('GET', `${path}?step=minute&from=${minute(10)}`, { token: read });
    expect(byMinute.statusCode).toBe(200);
    expect(byMinute.json()).toMatchObject({
      feature: 'dark-mode', environment: 'production', step: 'minute', from: minute(10),
      totals: { on: 10, off: 2 },
      series: [{ at: minute(3), counts: { on: 9, off: 2 } }, { at: minute(1), counts: { on: 1 } }],
    });
    const byDay = (await t.call('GET', `${path}?step=day&from=${minute(60 * 24 * 3)}`, { token: read })).json();
    expect(byDay.totals).toEqual({ on: 10, off: 2 });
    expect(byDay.series.length).toBeGreaterThanOrEqual(1);
    // The default: the last 24 hours by the hour.
    const byDefault = (await t.call('GET', path, { token: read })).json();
    expect(byDefault).toMatchObject({ step: 'hour', totals: { on: 10, off: 2 } });
    // A range with nothing in it.
    expect((await t.call('GET', `${path}?from=${minute(60 * 48)}&to=${minute(60 * 30)}`, { token: read })).json()).toMatchObject({ totals: {}, series: [] });
  });

  it('refuses bad ranges with 400 and unknown features or environments with 404', async () => {
    const bad = async (query: string, message: RegExp) => {
      const res = await t.call('GET', `${path}?${query}`, { token: read });
      expect(res.statusCode, query).toBe(400);
      expect(res.json().detail, query).toMatch(message);
    };
    await bad(`from=${minute(1)}&to=${minute(5)}`, /must be before/);
    await bad(`step=minute&from=${minute(60 * 48)}`, /buckets of a minute are too many/);
    await bad('step=week', /step/);
    await bad('from=yesterday', /from/);
    await bad(`from=${new Date(Date.now() - 500 * 86_400_000).toISOString()}&step=day`, /at most 400 days back/);
    await bad('colour=blue', /colour|additional/);
    expect((await t.call('GET', '/api/v1/features/no-such/environments/production/evaluations', { token: read })).json().code).toBe('feature_not_found');
    expect((await t.call('GET', '/api/v1/features/dark-mode/environments/nowhere/evaluations', { token: read })).json().code).toBe('environment_not_found');
  });
});
