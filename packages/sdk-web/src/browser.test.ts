import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../../../test-support/gantry-server.js';
import type { PageApi, StartOptions } from './test-support/browser-page.js';
import { release, seededServer } from './test-support/fixtures.js';
import { startPageServer } from './test-support/page-server.js';

/**
 * The SDK in a real browser (Debian's Chromium through playwright-core): a page bundled with
 * esbuild from the built package (`npx tsc -b packages/sdk-web` first) runs the OpenFeature web
 * SDK with Gantry's provider. The page has its own origin, so every call to Gantry is a CORS
 * request. Skipped only when Chromium is missing outside CI.
 */
const CHROMIUM = '/usr/bin/chromium';
const run = existsSync(CHROMIUM) || Boolean(process.env.CI);
declare const gantryTest: PageApi;

describe.skipIf(!run)('in Chromium', () => {
  let server: TestServer;
  let token: string;
  let browser: Browser;
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
    site = await startPageServer({ '/': { type: 'text/html', body: html }, '/page.js': { type: 'text/javascript', body: await readFile(join(dir, 'page.js')) } });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await site?.close();
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** A fresh browser profile (its own localStorage) with the test page open. */
  async function openPage(): Promise<Page> {
    const page = await (await browser.newContext()).newPage();
    page.on('pageerror', (error) => console.error('page error:', error));
    await reload(page);
    return page;
  }
  async function reload(page: Page): Promise<void> {
    await page.goto(site.url);
    await page.waitForSelector('body[data-ready="true"]', { state: 'attached' });
  }
  const start = (page: Page, options: Partial<StartOptions>) =>
    page.evaluate((o) => gantryTest.start(o), { url: server.url, token, context: { targetingKey: 'browser-user', plan: 'premium' }, streaming: true, pollIntervalMs: 60_000, ...options });
  /** Waits for an event of `type` in the page, after the first event of type `after` when given. */
  const hasEvent = (page: Page, type: string, after?: string) =>
    page.waitForFunction(([t, a]) => {
      const from = a ? gantryTest.events.findIndex((e) => e.type === a) : 0;
      return from >= 0 && gantryTest.events.slice(from).some((e) => e.type === t);
    }, [type, after] as const, { timeout: 10_000 });

  it('evaluates across origins, revalidates with a 304, polls a release, and serves from localStorage after a reload with the server stopped', async () => {
    const page = await openPage();
    expect(page.url()).not.toContain(new URL(server.url).port);
    await start(page, { streaming: false, pollIntervalMs: 1000 });
    expect(await page.evaluate(() => gantryTest.status())).toBe('READY');
    const first = await page.evaluate(() => gantryTest.values());
    expect(first).toEqual({
      'new-checkout': true, 'banner-color': 'blue', 'max-items': 5, layout: { columns: 3 }, 'premium-only': true, later: false, 'no-such-flag': 'FLAG_NOT_FOUND',
    });
    expect(await page.evaluate(() => gantryTest.storedKeys())).toEqual([expect.stringMatching(/^gantry:v1:[0-9a-f]{16}:[0-9a-f]{16}$/)]);
    // The ETag is readable across origins and If-None-Match is allowed: nothing changed, so 304.
    await page.evaluate(() => gantryTest.refresh());
    expect(await page.evaluate(() => gantryTest.bulkStatuses.at(-1))).toBe(304);

    await release(server, 'later', { action: 'on' });
    await hasEvent(page, 'PROVIDER_CONFIGURATION_CHANGED');
    expect(await page.evaluate(() => gantryTest.events.find((e) => e.type === 'PROVIDER_CONFIGURATION_CHANGED'))).toEqual({ type: 'PROVIDER_CONFIGURATION_CHANGED', flagsChanged: ['later'] });
    expect(await page.evaluate(() => gantryTest.values().later)).toBe(true);

    // The server goes away; a reload starts from localStorage at once and says the values are stale.
    await server.stop();
    try {
      await reload(page);
      await start(page, { streaming: false, pollIntervalMs: 1000 });
      expect(await page.evaluate(() => gantryTest.values())).toEqual({ ...first, later: true });
      await hasEvent(page, 'PROVIDER_STALE');
      expect(await page.evaluate(() => gantryTest.status())).toBe('STALE');
      expect(await page.evaluate(() => gantryTest.values().later)).toBe(true);
    } finally {
      await server.start();
    }
    await hasEvent(page, 'PROVIDER_READY', 'PROVIDER_STALE');
    expect(await page.evaluate(() => gantryTest.status())).toBe('READY');
    await release(server, 'later', { action: 'off' });
    await page.context().close();
  });

  it('the change stream brings a release at once, across origins', async () => {
    const page = await openPage();
    await start(page, { streaming: true, pollIntervalMs: 60_000 });
    expect(await page.evaluate(() => gantryTest.values()['banner-color'])).toBe('blue');
    // Polling is set to a minute: only the stream can bring this within the wait.
    await server.api('PUT', '/api/v1/features/banner-color/environments/production', { config: { on: true, offVariation: 1, fallthrough: { variation: 1 } } });
    await hasEvent(page, 'PROVIDER_CONFIGURATION_CHANGED');
    expect(await page.evaluate(() => gantryTest.values()['banner-color'])).toBe('green');
    await page.context().close();
  });

  it('stays quiet while the tab is hidden, and refreshes when it is visible again or back online', async () => {
    const page = await openPage();
    await start(page, { streaming: true, pollIntervalMs: 1000 });
    const changes = () => page.evaluate(() => gantryTest.events.filter((e) => e.type === 'PROVIDER_CONFIGURATION_CHANGED').length);
    // The first bulk request, then the one that the stream's first event asks for.
    await page.waitForFunction(() => gantryTest.bulkStatuses.length >= 2);
    await page.evaluate(() => gantryTest.setVisibility('hidden'));
    const requests = await page.evaluate(() => gantryTest.bulkStatuses.length);
    await release(server, 'later', { action: 'on' });
    await new Promise((r) => setTimeout(r, 2500)); // past two poll intervals, and the stream is closed
    expect(await page.evaluate(() => gantryTest.bulkStatuses.length)).toBe(requests);
    expect(await changes()).toBe(0);
    await page.evaluate(() => gantryTest.setVisibility('visible'));
    await hasEvent(page, 'PROVIDER_CONFIGURATION_CHANGED');
    expect(await page.evaluate(() => gantryTest.values().later)).toBe(true);
    await page.context().close();

    const offline = await openPage();
    await start(offline, { streaming: false, pollIntervalMs: 60_000 });
    await release(server, 'later', { action: 'off' });
    await new Promise((r) => setTimeout(r, 1100)); // `online` refreshes unless a request ran within the last second
    await offline.evaluate(() => gantryTest.goOnline());
    await hasEvent(offline, 'PROVIDER_CONFIGURATION_CHANGED');
    expect(await offline.evaluate(() => gantryTest.values().later)).toBe(false);
    await offline.context().close();
  });
});
