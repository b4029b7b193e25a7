// The one configuration every library evaluates: boolean features with multi-clause rules,
// segments and percentage rollouts, written once here and translated for each library by
// ./peers/*.mjs. Only constructs that all four libraries express natively are used:
// in, endsWith, semver greater-than, numeric greater-or-equal, segments, percentage rollouts.

const clause = (attribute, operator, values) => ({ attribute, operator, values });

export const CLAUSES = {
  premiumPlan: clause('plan', 'in', ['premium', 'enterprise']),
  paidPlan: clause('plan', 'in', ['pro', 'premium', 'enterprise']),
  benelux: clause('country', 'in', ['NL', 'BE', 'LU']),
  europe: clause('country', 'in', ['NL', 'BE', 'LU', 'DE', 'FR', 'ES', 'IT', 'PL']),
  modernApp: clause('appVersion', 'semverGt', ['2.0.0']),
  adult: clause('age', 'gte', [18]),
  companyEmail: clause('email', 'endsWith', ['@example.com']),
};

const staffKeys = Array.from({ length: 20 }, (_, i) => `user-${i * 37}`);
const betaKeys = Array.from({ length: 200 }, (_, i) => `user-${i * 13 + 5}`);

/** Segments: included keys OR any rule (each rule an AND of clauses). */
export const SEGMENTS = {
  staff: { included: staffKeys, rules: [[CLAUSES.companyEmail]] },
  'beta-testers': { included: betaKeys, rules: [[CLAUSES.paidPlan, CLAUSES.benelux]] },
  'premium-customers': { included: [], rules: [[CLAUSES.premiumPlan, CLAUSES.adult]] },
};

const segment = (key) => ({ segment: key });

/**
 * Features: `on: false` is killed; `rules` each serve "on" when all their clauses match;
 * `rollout` (percent, whole numbers so Unleash can express it) is the fallthrough, else "off".
 */
export const FEATURES = [
  { key: 'search-v2', on: true, rules: [], rollout: 100 },
  { key: 'legacy-export', on: false, rules: [], rollout: 100 },
  { key: 'maintenance-banner', on: true, rules: [], rollout: 0 },
  { key: 'dark-mode', on: true, rules: [[CLAUSES.modernApp]], rollout: 0 },
  { key: 'new-checkout', on: true, rules: [[CLAUSES.premiumPlan, CLAUSES.europe, CLAUSES.modernApp], [segment('staff')]], rollout: 0 },
  { key: 'invoice-pdf', on: true, rules: [[CLAUSES.paidPlan, CLAUSES.adult], [CLAUSES.companyEmail]], rollout: 0 },
  { key: 'eu-payments', on: true, rules: [[CLAUSES.europe, CLAUSES.paidPlan]], rollout: 0 },
  { key: 'beta-dashboard', on: true, rules: [[segment('beta-testers')]], rollout: 0 },
  { key: 'premium-support', on: true, rules: [[segment('premium-customers')], [segment('staff')]], rollout: 0 },
  { key: 'ai-assistant', on: true, rules: [[segment('beta-testers'), CLAUSES.modernApp], [segment('staff')]], rollout: 0 },
  { key: 'recommendations', on: true, rules: [[segment('staff')]], rollout: 25 },
  { key: 'fast-search', on: true, rules: [], rollout: 10 },
  { key: 'new-onboarding', on: true, rules: [[CLAUSES.benelux]], rollout: 50 },
  { key: 'price-test', on: true, rules: [[segment('premium-customers')]], rollout: 5 },
  { key: 'killed-experiment', on: false, rules: [[CLAUSES.premiumPlan]], rollout: 50 },
  { key: 'mobile-layout', on: true, rules: [[CLAUSES.modernApp, CLAUSES.europe, CLAUSES.adult]], rollout: 25 },
];

/** Features whose outcome is decided without bucketing: all four libraries must agree on them. */
export const DETERMINISTIC = new Set(FEATURES.filter((f) => !f.on || f.rollout === 0 || f.rollout === 100).map((f) => f.key));

function pick(list, n) {
  return list[n % list.length];
}

/** Deterministic contexts, as plain attributes. */
export function makeContexts(count) {
  const plans = ['free', 'free', 'pro', 'premium', 'enterprise'];
  const countries = ['NL', 'BE', 'DE', 'FR', 'US', 'GB', 'ES', 'BR', 'JP'];
  const versions = ['1.9.0', '2.0.0', '2.1.3', '3.0.0-beta.1', '3.0.0', '1.2.10'];
  const domains = ['example.com', 'gmail.com', 'corp.io', 'example.org'];
  return Array.from({ length: count }, (_, i) => ({
    targetingKey: `user-${i}`,
    plan: pick(plans, i * 7 + 3),
    country: pick(countries, i * 5 + 1),
    appVersion: pick(versions, i * 3 + 2),
    email: `person${i}@${pick(domains, i * 11 + 1)}`,
    age: 14 + ((i * 17) % 60),
  }));
}
