import type { Artifact } from '../artifacts/service.js';
import type { Environment } from '../environments/service.js';
import { AppError, ConflictError } from '../http/errors.js';

/** The freeze and the environment's promotion rules, checked before a deployment is accepted. */
export function checkFreeze(environment: Environment, overrideReason: string | undefined): void {
  if (!environment.freeze || overrideReason) return;
  throw new AppError(409, 'environment_frozen',
    `environment "${environment.name}" is frozen until ${environment.freeze.until} (${environment.freeze.reason || 'no reason given'}); deploy with an override reason to proceed anyway`,
    { frozenUntil: environment.freeze.until });
}

export function checkPolicy(environment: Environment, artifact: Artifact, previousSucceeded: boolean | undefined): void {
  const { requiredLabel, requirePreviousSuccess } = environment.policy;
  if (requiredLabel && !artifact.labels.some((l) => l.label === requiredLabel)) {
    throw new ConflictError('policy_violation',
      `environment "${environment.name}" requires the label "${requiredLabel}": label ${artifact.service}@${artifact.version} first (gantry artifact label ${artifact.service} ${artifact.version} ${requiredLabel})`,
      { rule: 'requiredLabel', requiredLabel });
  }
  if (requirePreviousSuccess && environment.previous && previousSucceeded === false) {
    throw new ConflictError('policy_violation',
      `environment "${environment.name}" requires a successful deployment of ${artifact.service}@${artifact.version} in "${environment.previous}" first`,
      { rule: 'requirePreviousSuccess', previousEnvironment: environment.previous });
  }
}
