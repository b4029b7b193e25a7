import { describe, expect, it } from 'vitest';
import { Backoff } from './backoff.js';

describe('Backoff', () => {
  it('doubles from the initial delay up to the cap, with jitter between half and all of it', () => {
    const low = new Backoff(500, 1500, () => 0);
    expect([low.next(), low.next(), low.next(), low.next()]).toEqual([250, 500, 750, 750]);
    const high = new Backoff(500, 1500, () => 1);
    expect([high.next(), high.next(), high.next(), high.next()]).toEqual([500, 1000, 1500, 1500]);
  });

  it('starts over after reset, and never overflows', () => {
    const backoff = new Backoff(100, 60_000, () => 0.5);
    for (let i = 0; i < 1000; i++) backoff.next();
    expect(backoff.next()).toBe(45_000);
    backoff.reset();
    expect(backoff.next()).toBe(75);
  });
});
