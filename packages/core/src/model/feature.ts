/**
 * What a feature is, independent of any environment: its key, purpose, owner, kind and the
 * typed variations it can serve.
 */

/** The value types a feature's variations can have. */
export type FeatureType = 'boolean' | 'string' | 'number' | 'json';

/** Any JSON value; `json` variations hold an object or an array. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** A value a variation can serve. */
export type VariationValue = boolean | string | number | JsonValue[] | { [key: string]: JsonValue };

/**
 * One value a feature can serve. `key` is stable and names the variation in results and in
 * OFREP (`variant`); `value` is what the application receives.
 *
 * @example
 * const on: Variation = { key: 'on', value: true };
 */
export interface Variation {
  readonly key: string;
  readonly value: VariationValue;
  readonly name?: string;
  readonly description?: string;
}

/** Why a feature exists; each kind has an expected lifetime (see {@link FEATURE_KIND_LIFETIMES}). */
export type FeatureKind = 'release' | 'experiment' | 'operational' | 'kill-switch' | 'permission';

/**
 * Every feature kind, in a stable order.
 *
 * @example
 * FEATURE_KINDS.includes('kill-switch'); // true
 */
export const FEATURE_KINDS: readonly FeatureKind[] = Object.freeze([
  'release',
  'experiment',
  'operational',
  'kill-switch',
  'permission',
]);

/** How long a feature of a given kind is expected to live. `days: null` means permanent. */
export interface FeatureKindLifetime {
  readonly days: number | null;
  readonly summary: string;
}

/**
 * Expected lifetime per feature kind, so stale features can be pointed out: a `release` feature
 * still present after 40 days is probably debt; a `permission` feature never goes stale.
 *
 * @example
 * const ageDays = 55;
 * const lifetime = FEATURE_KIND_LIFETIMES.release.days; // 40
 * const stale = lifetime !== null && ageDays > lifetime; // true
 */
export const FEATURE_KIND_LIFETIMES: Readonly<Record<FeatureKind, FeatureKindLifetime>> = Object.freeze({
  release: Object.freeze({ days: 40, summary: 'Hides unfinished work until it is released to everyone, then is removed.' }),
  experiment: Object.freeze({ days: 40, summary: 'Compares variations on a share of users until a winner is chosen.' }),
  operational: Object.freeze({ days: 7, summary: 'Guards a migration or an operational change for a few days.' }),
  'kill-switch': Object.freeze({ days: null, summary: 'Turns a capability off at once when it misbehaves; permanent.' }),
  permission: Object.freeze({ days: null, summary: 'Gives some users access to a capability; permanent.' }),
});

/**
 * A feature as defined once for all environments.
 *
 * `salt` is mixed into the bucketing hash so that two features rolled out to 10 % do not reach
 * the same 10 % of users. Variation indexes (positions in `variations`) are how environment
 * configurations refer to variations.
 *
 * @example
 * const definition: FeatureDefinition = {
 *   key: 'new-checkout',
 *   description: 'The one-page checkout',
 *   owner: 'team-payments',
 *   kind: 'release',
 *   type: 'boolean',
 *   variations: [{ key: 'on', value: true }, { key: 'off', value: false }],
 *   salt: 'b7f1c2',
 * };
 */
export interface FeatureDefinition {
  readonly key: string;
  readonly description: string;
  readonly owner: string;
  readonly kind: FeatureKind;
  readonly type: FeatureType;
  readonly variations: readonly Variation[];
  readonly salt: string;
}
