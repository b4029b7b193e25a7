import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../../../test-support/gantry-server.js';
import { release, seededServer } from './test-support/fixtures.js';
import { startPageServer } from './test-support/page-server.js';

/**
 * The SDK in a real browser (Debian's Chromium through playwright-core): a page bundled with
 * esbuild from the built package (`npx tsc -b packages/sdk-web` first) runs the OpenFeature web
 * SDK with Gantry's provider. Skipped only when Chromium is missing outside CI.
 */
const CHROMIUM = '/usr/bin/chromium';
const run = existsSync(CHROMIUM) || Boolean(process.env.CI);

type PageApi = {
  events: Array<{ type: string; flagsChanged?: string[]; message?: string }>;
  values(): Record<string, unknown>;
  status(): string;
  start(token: string, context: Record<string, string>): Promise<{ ms: number }>;
  storedKeys(): string[];
};
declare const gantryTest: PageApi;

describe.skipIf(!run)('in Chromium', () => {
  let server: TestServer;
  let token: string;
  let browser: Browser;
  let page: Page;
  let site: Awaited<ReturnType<typeof startPageServer>>;
  let dir: string;

  beforeAll(async () => {
    ({ server, token } = await seededServer());
    dir = await mkdtemp(join(tmpdir(), 'gantry-sdk-web-'));
    await build({
      entryPoints: [fileURLToPath(new URL('./test-support/browser-page.ts', import.meta.url))],
      bundle: true, format: 'iife', platform: 'browser', target: 'es2022', outfile: join(dir, 'page.js'), logLevel: 'silent',
    });
    const html = '<!doctype html><html><head><meta charset="utf-8"><title>Gantry SDK test</title></head><body><script src="/page.js"></script></body></html>';
    site = await startPageServer({ '/': { type: 'text/html', body: html }, '/page.js': { type: 'text/javascript', body: await readFile(join(dir, 'page.js')) } }, server.url);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage();
    page.on('pageerror', (error) => console.error('page error:', error));
  });
  afterAll(async () => {
    await browser?.close();
    await site?.close();
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const open = async () => {
    await page.goto(site.url);
    await page.waitForSelector('body[data-ready="true"]', { state: 'attached' });
  };
  /** Waits for an event of `type` in the page, after the first event of type `after` when given. */
  const hasEvent = (type: string, after?: string) =>
    page.waitForFunction(([t, a]) => {
      const from = a ? gantryTest.events.findIndex((e) => e.type === a) : 0;
      return from >= 0 && gantryTest.events.slice(from).some((e) => e.type === t);
    }, [type, after] as const, { timeout: 10_000 });

  it('evaluates through the server, sees a release after a poll, and serves from localStorage after a reload with the server stopped', async () => {
    await open();
    await page.evaluate(([t]) => gantryTest.start(t!, { targetingKey: 'browser-user', plan: 'premium' }), [token]);
    expect(await page.evaluate(() => gantryTest.status())).toBe('READY');
    const first = await page.evaluate(() => gantryTest.values());
    expect(first).toEqual({
      'new-checkout': true, 'banner-color': 'blue', 'max-items': 5, layout: { columns: 3 }, 'premium-only': true, later: false, 'no-such-flag': 'FLAG_NOT_FOUND',
    });
    expect(await page.evaluate(() => gantryTest.storedKeys())).toEqual([expect.stringMatching(/^gantry:v1:[0-9a-f]{16}:[0-9a-f]{16}$/)]);

    // A release through the API reaches the page with the next poll.
    await release(server, 'later', { action: 'on' });
    await hasEvent('PROVIDER_CONFIGURATION_CHANGED');
    expect(await page.evaluate(() => gantryTest.events.find((e) => e.type === 'PROVIDER_CONFIGURATION_CHANGED'))).toEqual({ type: 'PROVIDER_CONFIGURATION_CHANGED', flagsChanged: ['later'] });
    expect(await page.evaluate(() => gantryTest.values().later)).toBe(true);

    // The server goes away; a reload starts from localStorage at once and says the values are stale.
    await server.stop();
    try {
      await open();
      const { ms } = await page.evaluate(([t]) => gantryTest.start(t!, { targetingKey: 'browser-user', plan: 'premium' }), [token]);
      expect(ms).toBeLessThan(1000);
      expect(await page.evaluate(() => gantryTest.values())).toEqual({ ...first, later: true });
      await hasEvent('PROVIDER_STALE');
      expect(await page.evaluate(() => gantryTest.status())).toBe('STALE');
      expect(await page.evaluate(() => gantryTest.values().later)).toBe(true);
    } finally {
      await server.start();
    }
    await hasEvent('PROVIDER_READY', 'PROVIDER_STALE');
    expect(await page.evaluate(() => gantryTest.status())).toBe('READY');
  });
});
