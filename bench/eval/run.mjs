// Local evaluation speed: Gantry against unleash-client, GrowthBook and flagd-core on the same
// features, segments and contexts. Run: `npx tsc -b packages/core && node bench/eval/run.mjs`.
// Prints a Markdown section and writes it to bench/eval/result.md.
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { Bench } from 'tinybench';
import { DETERMINISTIC, FEATURES, SEGMENTS, makeContexts } from './definitions.mjs';
import { flagd } from './peers/flagd.mjs';
import { gantry } from './peers/gantry.mjs';
import { growthbook } from './peers/growthbook.mjs';
import { unleash } from './peers/unleash.mjs';

const BATCH = 1024; // evaluations per timed call: keeps timer overhead out of per-evaluation figures
const CONTEXTS = makeContexts(1000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const TIME_MS = Number(process.env.BENCH_TIME_MS ?? 1500);

/** The same (feature, context) sequence for everyone: features round-robin, contexts strided. */
function workload(lib) {
  const native = CONTEXTS.map((c) => lib.context(c));
  return Array.from({ length: BATCH * 8 }, (_, i) => ({ key: FEATURES[i % FEATURES.length].key, context: native[(i * 7) % native.length] }));
}

/** Every library must give the same answer wherever no bucketing is involved; rollouts must land near their percentage. */
function checkAgreement(libs) {
  let compared = 0;
  const disagreements = [];
  for (const feature of FEATURES) {
    for (const context of CONTEXTS) {
      const answers = libs.map((lib) => lib.evaluate(feature.key, lib.context(context)));
      if (DETERMINISTIC.has(feature.key)) {
        compared++;
        if (new Set(answers).size > 1) disagreements.push(`${feature.key} for ${context.targetingKey}: ${answers.join('/')}`);
      }
    }
  }
  const shares = FEATURES.filter((f) => !DETERMINISTIC.has(f.key)).map((f) => ({
    key: f.key,
    shares: libs.map((lib) => CONTEXTS.filter((c) => lib.evaluate(f.key, lib.context(c))).length / CONTEXTS.length),
  }));
  return { compared, disagreements, shares };
}

async function measure(libs) {
  const medians = new Map(libs.map((lib) => [lib.name, []]));
  let sink = 0;
  for (let round = 0; round < ROUNDS; round++) {
    // Rotate the order each round so no library always runs first or last.
    const order = libs.map((_, i) => libs[(i + round) % libs.length]);
    for (const lib of order) {
      const pairs = workload(lib);
      const batches = Array.from({ length: pairs.length / BATCH }, (_, i) => pairs.slice(i * BATCH, (i + 1) * BATCH));
      let next = 0;
      const bench = new Bench({ time: TIME_MS, warmupTime: 300, warmupIterations: 200 });
      bench.add(lib.name, () => {
        sink += lib.batch(batches[next]);
        next = (next + 1) % batches.length;
      });
      await bench.run();
      const task = bench.tasks[0];
      medians.get(lib.name).push((task.result.latency.p50 * 1e6) / BATCH);
    }
  }
  if (sink < 0) console.log(sink);
  return libs.map((lib) => {
    const values = medians.get(lib.name).sort((a, b) => a - b);
    return { name: lib.name, ns: values[Math.floor(values.length / 2)], rounds: values };
  });
}

const libs = [await gantry(FEATURES, SEGMENTS), await unleash(FEATURES, SEGMENTS), await growthbook(FEATURES, SEGMENTS), await flagd(FEATURES, SEGMENTS)];
const agreement = checkAgreement(libs);
if (agreement.disagreements.length > 0) {
  console.error(`Libraries disagree on ${agreement.disagreements.length} deterministic evaluations, e.g.:\n${agreement.disagreements.slice(0, 10).join('\n')}`);
  process.exitCode = 1;
}
const results = await measure(libs);
for (const lib of libs) lib.close?.();

const gantryNs = results[0].ns;
const fastestPeer = Math.min(...results.slice(1).map((r) => r.ns));
const fmt = (n) => (n >= 100 ? n.toFixed(0) : n.toFixed(1));
const rows = results.map((r, i) => `| ${r.name} | ${fmt(r.ns)} | ${i === 0 ? '1.0×' : `${(r.ns / gantryNs).toFixed(1)}×`} | ${r.rounds.map(fmt).join(' / ')} |`);
const markdown = `## Local flag evaluation

Median time per evaluation of one boolean feature for one context, all four libraries in the
same process on the same ${FEATURES.length} features (${FEATURES.filter((f) => f.rules.length > 0).length} with multi-clause
rules, ${Object.keys(SEGMENTS).length} segments, ${FEATURES.filter((f) => f.rollout > 0 && f.rollout < 100).length} percentage rollouts, ${FEATURES.filter((f) => !f.on).length} killed) and the same
${CONTEXTS.length} contexts, each library through its own in-process API (\`evaluateBoolean\`,
\`isEnabled\`, \`isOn\`, \`resolveBooleanEvaluation\`) with its configuration built from one
shared definition (bench/eval/definitions.mjs). Each timed call evaluates ${BATCH} (feature, context) pairs;
tinybench takes the median over ${TIME_MS} ms of calls; the figure is the median of ${ROUNDS} rounds run in rotating order.

| library | ns / evaluation (median) | relative to Gantry | rounds |
| --- | ---: | ---: | --- |
${rows.join('\n')}

- Gantry is **${(fastestPeer / gantryNs).toFixed(1)}×** faster than the fastest peer (target ≥ 2×) at **${fmt(gantryNs)} ns** per evaluation (target < 150 ns).
- Honesty check: on the ${agreement.compared.toLocaleString('en')} evaluations decided without bucketing (${DETERMINISTIC.size} features × ${CONTEXTS.length} contexts), the four libraries ${agreement.disagreements.length === 0 ? 'agree on every result' : `disagree ${agreement.disagreements.length} times`}.
  Rollouts use each library's own hash, so individual users differ; the share of contexts switched on per rollout feature is ${agreement.shares.map((s) => `${s.key} ${s.shares.map((x) => `${Math.round(x * 100)} %`).join('/')}`).join('; ')} (Gantry/Unleash/GrowthBook/flagd).
- Machine: ${os.cpus()[0]?.model ?? 'unknown CPU'} (${os.cpus().length} logical CPUs), Node ${process.version}, ${os.platform()} ${os.arch()}.
- Command: \`npx tsc -b packages/core && node bench/eval/run.mjs\`.
`;
console.log(markdown);
writeFileSync(new URL('./result.md', import.meta.url), markdown);
