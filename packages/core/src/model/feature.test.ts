import { describe, expect, it } from 'vitest';
import { FEATURE_KIND_LIFETIMES, FEATURE_KINDS } from './feature.js';

describe('feature kinds', () => {
  it('give every kind an expected lifetime', () => {
    expect(Object.keys(FEATURE_KIND_LIFETIMES).sort()).toEqual([...FEATURE_KINDS].sort());
    expect(FEATURE_KIND_LIFETIMES.release.days).toBe(40);
    expect(FEATURE_KIND_LIFETIMES['kill-switch'].days).toBeNull();
    expect(Object.isFrozen(FEATURE_KIND_LIFETIMES.permission)).toBe(true);
  });
});
