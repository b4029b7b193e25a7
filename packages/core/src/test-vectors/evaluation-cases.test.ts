import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkBucketExamples, runEvaluationCases } from './evaluation-cases.js';
import type { EvaluationCasesFile } from './evaluation-cases.js';

const file = JSON.parse(
  readFileSync(new URL('../../test-vectors/evaluation-cases.json', import.meta.url), 'utf8'),
) as EvaluationCasesFile;

describe('evaluation-cases.json', () => {
  it('is version 1 with several hundred cases', () => {
    expect(file.version).toBe(1);
    expect(file.cases.length).toBeGreaterThan(300);
  });

  it('passes every case with the core engine', async () => {
    const failures = (await runEvaluationCases(file)).filter((o) => !o.passed).map((o) => `${o.name}: ${o.mismatches.join('; ')}`);
    expect(failures).toEqual([]);
  });

  it('agrees with every worked bucketing example', () => {
    expect(checkBucketExamples(file)).toEqual([]);
  });

  it('reports a wrong expectation instead of passing it', async () => {
    const [first] = file.cases;
    const broken: EvaluationCasesFile = { ...file, cases: [{ ...first!, expected: { ...first!.expected, variant: 'nope' } }] };
    const [outcome] = await runEvaluationCases(broken);
    expect(outcome?.passed).toBe(false);
    expect(outcome?.mismatches[0]).toMatch(/^variant: expected "nope"/);
  });
});
