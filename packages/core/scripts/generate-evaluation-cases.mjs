// Writes test-vectors/evaluation-cases.json: `node packages/core/scripts/generate-evaluation-cases.mjs`.
// Expectations are written by hand in ./cases, except buckets, which come from an independent
// reference hash (./cases/reference-hash.mjs). The JSON is committed; rerun after editing cases.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { brokenCases, brokenSnapshot } from './cases/broken.mjs';
import { bucketExamples, bucketingCases, gradualSnapshots, rolloutsSnapshot } from './cases/bucketing.mjs';
import { operatorCases, operatorsSnapshot } from './cases/operators.mjs';
import { targetingCases, targetingSnapshot } from './cases/targeting.mjs';

const file = {
  version: 1,
  description:
    'Language-neutral evaluation cases for Gantry. For each case: compile snapshots[case.snapshot] (or case.snapshot itself when it is not a string naming one), ' +
    'evaluate case.flag for case.context with case.default (absent: no default; null: no default) using the typed evaluation named by case.as when present ' +
    '(boolean, string, number, object), and compare value (deep equality; absent means undefined), variant, reason and errorCode (absent means none). ' +
    'buckets lists worked examples of the bucketing hash.',
  buckets: bucketExamples,
  snapshots: { operators: operatorsSnapshot, targeting: targetingSnapshot, broken: brokenSnapshot, rollouts: rolloutsSnapshot, ...gradualSnapshots },
  cases: [...operatorCases, ...targetingCases, ...brokenCases, ...bucketingCases],
};

const names = new Set();
for (const c of file.cases) {
  if (names.has(c.name)) throw new Error(`duplicate case name: ${c.name}`);
  names.add(c.name);
}

const target = fileURLToPath(new URL('../test-vectors/evaluation-cases.json', import.meta.url));
// One case per line keeps the file compact and its diffs readable.
const { cases, ...head } = file;
const text = `${JSON.stringify(head, null, 1).slice(0, -2)},\n "cases": [\n${cases.map((c) => `  ${JSON.stringify(c)}`).join(',\n')}\n ]\n}\n`;
JSON.parse(text);
writeFileSync(target, text);
console.log(`wrote ${file.cases.length} cases and ${Object.keys(file.snapshots).length} snapshots`);
