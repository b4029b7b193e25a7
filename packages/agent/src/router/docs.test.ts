import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HOP_BY_HOP } from './headers.js';
import { DEFAULT_LATENCY_BUCKETS, VersionCounters } from './metrics.js';
import { formatPrometheus } from './prometheus.js';

// docs/router.md is a contract: what it names must exist, and what exists must be named.
const doc = readFileSync(new URL('../../../../docs/router.md', import.meta.url), 'utf8');

describe('docs/router.md', () => {
  it('names every metric family the exposition writes', () => {
    const text = formatPrometheus({ service: 's', at: 0, revision: 1, unrouted: 0, versions: [new VersionCounters('1', DEFAULT_LATENCY_BUCKETS).snapshot(true, 1)] });
    const families = [...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!);
    expect(families.length).toBeGreaterThan(5);
    for (const name of families) expect(doc).toContain(`\`${name}`);
  });

  it('names every problem code the router answers with', async () => {
    const source = readFileSync(new URL('./problem.ts', import.meta.url), 'utf8');
    const codes = /RouterProblemCode = ([^;]+);/.exec(source)![1]!.match(/'[a-z_]+'/g)!.map((c) => c.slice(1, -1));
    for (const code of codes) expect(doc).toContain(`\`${code}\``);
  });

  it('lists the hop-by-hop headers and the latency buckets the code uses', () => {
    const listed = /\| hop-by-hop \| ([^|]+)/.exec(doc)![1]!;
    for (const header of HOP_BY_HOP) expect(listed.toLowerCase()).toContain(`\`${header}\``);
    const ms = DEFAULT_LATENCY_BUCKETS.filter((b) => b < 1).map((b) => String(b * 1000));
    expect(doc).toContain(`${ms.join(', ')} ms, 1, 2.5, 5, 10 s`);
  });
});
