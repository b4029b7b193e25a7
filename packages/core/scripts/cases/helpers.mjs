// Builders shared by the case generators. Expectations are written by hand in each generator;
// nothing here evaluates a feature.

export const ON_OFF = [{ key: 'on', value: true }, { key: 'off', value: false }];

/** A boolean feature: rules serving `on`, fallthrough `off`, off-variation `off`. */
export function booleanFeature(key, rules, extra = {}) {
  return {
    key, kind: 'release', type: 'boolean', salt: `salt-${key}`, variations: ON_OFF,
    on: true, offVariation: 1, rules, fallthrough: { variation: 1 }, ...extra,
  };
}

/** A rule of one clause that serves `on`. */
export function ruleOf(clause) {
  return { clauses: [clause], serve: { variation: 0 } };
}

const BOOLEAN_VALUES = { on: true, off: false };

/** Expected result of a boolean feature from its variant and reason. */
export function expectBoolean(variant, reason) {
  return { value: BOOLEAN_VALUES[variant], variant, reason };
}

/** Expected result of a failed evaluation. */
export function expectError(errorCode, value) {
  return value === undefined ? { reason: 'ERROR', errorCode } : { value, reason: 'ERROR', errorCode };
}

/**
 * Cases for a feature whose only rule serves `on` (reason TARGETING_MATCH) and whose fallthrough
 * serves `off` (reason DEFAULT). `rows` are [description, context, 'on' | 'off'].
 */
export function ruleCases(snapshot, flag, rows) {
  return rows.map(([description, context, variant]) => ({
    name: `${flag}: ${description}`,
    snapshot,
    flag,
    context,
    default: false,
    expected: expectBoolean(variant, variant === 'on' ? 'TARGETING_MATCH' : 'DEFAULT'),
  }));
}
