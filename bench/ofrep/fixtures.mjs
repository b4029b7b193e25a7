// A realistic environment: 350 features of every type, with rules, segments, targets and rollouts.
export const FEATURE_COUNT = 350;

export async function seed(api, env) {
  await api('POST', '/api/v1/environments', { name: env });
  await api('POST', `/api/v1/environments/${env}/segments`, { key: 'beta-testers', included: ['u-1', 'u-2', 'u-3'], rules: [{ clauses: [{ attribute: 'plan', operator: 'in', values: ['beta'] }] }] });
  await api('POST', `/api/v1/environments/${env}/segments`, { key: 'staff', rules: [{ clauses: [{ attribute: 'email', operator: 'endsWith', values: ['@example.com'] }] }] });
  for (let i = 0; i < FEATURE_COUNT; i++) {
    const key = `feature-${String(i).padStart(3, '0')}`;
    const kind = i % 5;
    if (kind === 3) {
      await api('POST', '/api/v1/features', { key, type: 'string', variations: [{ key: 'a', value: 'blue' }, { key: 'b', value: 'green' }, { key: 'c', value: 'red' }] });
    } else if (kind === 4) {
      await api('POST', '/api/v1/features', { key, type: 'json', variations: [{ key: 'grid', value: { columns: 3, dense: true } }, { key: 'list', value: { columns: 1 } }] });
    } else {
      await api('POST', '/api/v1/features', { key });
    }
    const config = {
      on: true,
      offVariation: 1,
      targets: [{ variation: 0, values: [`u-${i}`, `u-${i + 1000}`] }],
      rules: [
        { clauses: [{ operator: 'segmentMatch', values: ['staff'] }], serve: { variation: 0 } },
        { clauses: [{ attribute: 'country', operator: 'in', values: ['NL', 'BE', 'DE'] }, { attribute: 'appVersion', operator: 'semverGt', values: ['2.3.0'] }], serve: { variation: 0 } },
        { clauses: [{ operator: 'segmentMatch', values: ['beta-testers'] }], serve: { rollout: { variations: [{ variation: 0, weight: 50_000 }, { variation: 1, weight: 50_000 }] } } },
      ],
      fallthrough: kind === 0 ? { variation: 1 } : { rollout: { variations: [{ variation: 0, weight: 25_000 }, { variation: 1, weight: 75_000 }] } },
    };
    await api('PUT', `/api/v1/features/${key}/environments/${env}`, { config });
  }
}

export function contexts(n) {
  const countries = ['NL', 'US', 'DE', 'FR', 'BE'];
  const plans = ['free', 'pro', 'beta'];
  return Array.from({ length: n }, (_, i) => ({
    targetingKey: `user-${i}`, country: countries[i % countries.length], plan: plans[i % plans.length],
    appVersion: `2.${i % 6}.${i % 3}`, email: i % 10 === 0 ? `p${i}@example.com` : `p${i}@mail.test`,
  }));
}
