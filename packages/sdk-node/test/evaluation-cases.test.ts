import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runEvaluationCases } from '@gantry/core';
import type { CaseEvaluatorFactory, EvaluationCase, EvaluationCasesFile, JsonStructure } from '@gantry/core';
import { afterAll, describe, expect, it } from 'vitest';
import { createGantryClient } from '../src/index.js';
import type { GantryClient, GantryClientOptions, GantryError } from '../src/index.js';

const file = createRequire(import.meta.url)('@gantry/core/test-vectors/evaluation-cases.json') as EvaluationCasesFile;
const clients: GantryClient[] = [];
const directory = mkdtempSync(join(tmpdir(), 'gantry-sdk-cases-'));
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  rmSync(directory, { recursive: true, force: true });
});

/** Runs a case through the client's public API: the typed getter its `as` names, or `evaluate`. */
function evaluateWith(client: GantryClient) {
  return (testCase: EvaluationCase) => {
    const context = testCase.context as Parameters<GantryClient['evaluate']>[1];
    const fallback = testCase.default === null ? undefined : testCase.default;
    switch (testCase.as) {
      case 'boolean':
        return client.booleanDetails(testCase.flag, context, fallback as boolean);
      case 'string':
        return client.stringDetails(testCase.flag, context, fallback as string);
      case 'number':
        return client.numberDetails(testCase.flag, context, fallback as number);
      case 'object':
        return client.jsonDetails(testCase.flag, context, fallback as JsonStructure);
      default:
        return client.evaluate(testCase.flag, context, fallback as Parameters<GantryClient['evaluate']>[2]);
    }
  };
}

function through(bootstrap: (snapshot: unknown) => GantryClientOptions['bootstrap']): CaseEvaluatorFactory {
  return (snapshot) => {
    const client = createGantryClient({ offline: true, bootstrap: bootstrap(snapshot), logger: false });
    clients.push(client);
    return (testCase) => {
      const result = evaluateWith(client)(testCase);
      // The shared cases compare core's codes; PROVIDER_NOT_READY would mean the bootstrap was lost.
      expect(result.errorCode).not.toBe('PROVIDER_NOT_READY');
      return result as ReturnType<ReturnType<CaseEvaluatorFactory>> & object;
    };
  };
}

describe("core's shared evaluation cases through the SDK", () => {
  it(`passes all ${file.cases.length} cases with each snapshot given as a bootstrap snapshot`, async () => {
    const failed = (await runEvaluationCases(file, through((snapshot) => ({ snapshot })))).filter((o) => !o.passed);
    expect(failed.map((o) => `${o.name}: ${o.mismatches.join('; ')}`)).toEqual([]);
  });

  it('passes them all with each snapshot read from a bootstrap file', async () => {
    let n = 0;
    const outcomes = await runEvaluationCases(file, through((snapshot) => {
      const path = join(directory, `snapshot-${n++}.json`);
      writeFileSync(path, JSON.stringify(snapshot));
      return { file: path };
    }));
    expect(outcomes.filter((o) => !o.passed).map((o) => `${o.name}: ${o.mismatches.join('; ')}`)).toEqual([]);
    expect(outcomes).toHaveLength(file.cases.length);
  });

  it('reports a malformed bootstrap as an error event and still evaluates without throwing', async () => {
    const warnings: string[] = [];
    const client = createGantryClient({ offline: true, bootstrap: { snapshot: file.snapshots['broken'] }, logger: { warn: (m) => warnings.push(m) } });
    clients.push(client);
    const errors: GantryError[] = [];
    client.on('error', (e) => errors.push(e));
    await Promise.resolve();
    expect(errors.map((e) => e.code)).toEqual(['snapshot']);
    expect(errors[0]?.message).toMatch(/^the bootstrap snapshot has problems; the features concerned answer PARSE_ERROR: \/segments\/broken-segment\/.*\(and \d+ more\)$/);
    expect(warnings).toEqual([]);
    expect(client.booleanDetails('bad-weights', { targetingKey: 'u1' }, true)).toMatchObject({ value: true, reason: 'ERROR', errorCode: 'PARSE_ERROR' });
    expect(client.booleanDetails('healthy', { targetingKey: 'u1' }, false)).toMatchObject({ value: true, reason: 'STATIC' });
  });

  it('answers PROVIDER_NOT_READY with the default, never throwing, when offline with no bootstrap', async () => {
    const client = createGantryClient({ offline: true, logger: false });
    await expect(client.ready()).rejects.toMatchObject({ code: 'bootstrap' });
    expect(client.stringDetails('anything', { targetingKey: 'u1' }, 'fallback')).toMatchObject({
      value: 'fallback', reason: 'ERROR', errorCode: 'PROVIDER_NOT_READY', variant: undefined,
    });
    expect(client.all({})).toEqual({});
    expect(client.revision).toBeUndefined();
    await client.close();
  });
});
