import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bucketOf } from './hashing/bucket.js';
import { murmur3 } from './hashing/murmur3.js';
import { compileSnapshot } from './engine/compile-snapshot.js';
import type { EnvironmentSnapshot } from './model/snapshot.js';
import { validateSnapshot } from './validation/validate-snapshot.js';

// docs/evaluation.md is the contract for other SDKs: its examples must stay true.
const doc = readFileSync(new URL('../../../docs/evaluation.md', import.meta.url), 'utf8');

describe('docs/evaluation.md', () => {
  it('shows a valid snapshot that evaluates as described', () => {
    const snapshot = JSON.parse(/```json\n([\s\S]*?)\n```/.exec(doc)![1]!) as EnvironmentSnapshot;
    expect(validateSnapshot(snapshot)).toEqual([]);
    const engine = compileSnapshot(snapshot);
    expect(engine.evaluate('new-checkout', { targetingKey: 'user-qa-1' })).toMatchObject({ variant: 'on', reason: 'TARGETING_MATCH' });
    expect(engine.evaluate('new-checkout', { targetingKey: 'x', email: 'a@example.com' })).toMatchObject({ variant: 'on', metadata: { ruleId: 'staff' } });
    expect(engine.evaluate('new-checkout', {})).toMatchObject({ errorCode: 'TARGETING_KEY_MISSING' });
  });

  it('gives worked hash examples that hold', () => {
    const rows = [...doc.matchAll(/^\| `([^`]+)`[^|]*\| `([0-9a-f]+)` \| (\d+) \(0x[0-9a-f]+\) \| (\d+) \|$/gm)];
    expect(rows.length).toBe(6);
    for (const [, input, hex, hash, bucket] of rows) {
      expect(Buffer.from(input!, 'utf8').toString('hex')).toBe(hex);
      expect(murmur3(input!)).toBe(Number(hash));
      const [featureKey, salt, ...rest] = input!.split('.');
      expect(bucketOf(featureKey!, salt!, rest.join('.'))).toBe(Number(bucket));
    }
  });
});
