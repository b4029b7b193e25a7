import type { Clause } from './targeting.js';

/**
 * One rule of a segment: every clause must match. Segment rules may not use `segmentMatch`.
 */
export interface SegmentRule {
  readonly clauses: readonly Clause[];
}

/**
 * A named audience in one environment. A context is in the segment when its `targetingKey` is
 * in `included`; otherwise it is out when its key is in `excluded`; otherwise it is in when any
 * rule matches.
 *
 * @example
 * const staff: Segment = {
 *   key: 'staff',
 *   included: ['user-42'],
 *   excluded: [],
 *   rules: [{ clauses: [{ attribute: 'email', operator: 'endsWith', values: ['@example.com'] }] }],
 * };
 */
export interface Segment {
  readonly key: string;
  readonly description?: string;
  readonly included?: readonly string[];
  readonly excluded?: readonly string[];
  readonly rules?: readonly SegmentRule[];
}
