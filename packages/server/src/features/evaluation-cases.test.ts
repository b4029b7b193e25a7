import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { afterAll, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../test-support/harness.js';

/**
 * core's language-neutral evaluation cases, run through the server: each snapshot is written
 * through the API (features, segments, configurations), read back from PostgreSQL, and every case
 * is evaluated over OFREP. Cases about client-side concerns (typed defaults, malformed snapshots
 * or contexts) belong to the SDKs and are skipped here.
 */
const casesPath = createRequire(import.meta.url).resolve('@gantry/core/test-vectors/evaluation-cases.json');
interface Case { name: string; snapshot: unknown; flag: string; context: unknown; default?: unknown; as?: string; expected: { value?: unknown; variant?: string; reason: string; errorCode?: string } }
interface Snapshot {
  features: Record<string, { key: string; kind: string; type: string; salt: string; variations: { key: string; value: unknown }[]; offVariation: number; [k: string]: unknown }>;
  segments: Record<string, { key: string; included?: string[]; excluded?: string[]; rules?: unknown[] }>;
}
const file = JSON.parse(await readFile(casesPath, 'utf8')) as { snapshots: Record<string, Snapshot>; cases: Case[] };

const serverSide = (c: Case) => typeof c.snapshot === 'string' && c.snapshot in file.snapshots && c.snapshot !== 'broken' && !c.as && c.expected.errorCode !== 'TYPE_MISMATCH'
  && typeof c.context === 'object' && c.context !== null && !Array.isArray(c.context);

const apps: TestApp[] = [];
afterAll(() => Promise.all(apps.map((a) => a.close())));

async function load(snapshot: Snapshot): Promise<(flag: string, context: unknown) => Promise<{ status: number; body: Record<string, unknown> }>> {
  const t = await testApp();
  apps.push(t);
  const ok = async (method: 'POST' | 'PUT', path: string, body: unknown) => {
    const res = await t.call(method, path, { body });
    if (res.statusCode >= 300) throw new Error(`${method} ${path}: ${res.body}`);
  };
  await ok('POST', '/api/v1/environments', { name: 'test' });
  for (const s of Object.values(snapshot.segments ?? {})) {
    await ok('POST', '/api/v1/environments/test/segments', { key: s.key, included: s.included ?? [], excluded: s.excluded ?? [], rules: s.rules ?? [] });
  }
  const features = Object.values(snapshot.features);
  for (const f of features) {
    const off = f.offVariation;
    await ok('POST', '/api/v1/features', { key: f.key, kind: f.kind, type: f.type, salt: f.salt, variations: f.variations, offVariation: off, onVariation: off === 0 ? 1 : 0 });
  }
  // Prerequisites refer to other features, so configurations go in after every feature exists.
  for (const f of features) {
    const { key: _k, kind: _kind, type: _t, salt: _s, variations: _v, description: _d, owner: _o, ...config } = f;
    await ok('PUT', `/api/v1/features/${f.key}/environments/test`, { config });
  }
  const sdk = await t.token('sdk-client:test');
  return async (flag, context) => {
    const res = await t.call('POST', `/ofrep/v1/evaluate/flags/${encodeURIComponent(flag)}`, { body: { context }, token: sdk });
    return { status: res.statusCode, body: res.json() };
  };
}

const bySnapshot = new Map<string, Case[]>();
for (const c of file.cases.filter(serverSide)) bySnapshot.set(c.snapshot as string, [...(bySnapshot.get(c.snapshot as string) ?? []), c]);

describe('core evaluation cases through the server and OFREP', () => {
  it('runs a substantial share of the cases', () => {
    expect([...bySnapshot.values()].flat().length).toBeGreaterThan(300);
  });
  for (const [name, cases] of bySnapshot) {
    it(`snapshot "${name}": ${cases.length} cases`, async () => {
      const evaluate = await load(file.snapshots[name]!);
      for (const c of cases) {
        const { status, body } = await evaluate(c.flag, c.context);
        if (c.expected.errorCode) {
          expect(body.errorCode, c.name).toBe(c.expected.errorCode);
          expect(status, c.name).toBe(c.expected.errorCode === 'FLAG_NOT_FOUND' ? 404 : 400);
        } else {
          expect(status, `${c.name}: ${JSON.stringify(body)}`).toBe(200);
          expect({ value: body.value, variant: body.variant, reason: body.reason }, c.name)
            .toEqual({ value: c.expected.value, variant: c.expected.variant, reason: c.expected.reason });
        }
      }
    }, 120_000);
  }
});
