import { SupervisorError } from '../errors.js';
import { RESTART_DEFAULTS } from './backoff.js';
import type { ResolvedSpec } from './instance.js';
import type { VersionSpec } from './types.js';

const invalid = (message: string) => new SupervisorError('invalid_spec', message);

function positive(value: unknown, name: string): void {
  if (value !== undefined && !(typeof value === 'number' && Number.isFinite(value) && value > 0)) throw invalid(`${name} must be a positive number`);
}

/** Check a version spec and fill in its defaults. */
export function resolveSpec(spec: VersionSpec): ResolvedSpec {
  if (!spec || typeof spec.service !== 'string' || spec.service === '') throw invalid('service must be a non-empty string');
  if (typeof spec.version !== 'string' || spec.version === '') throw invalid('version must be a non-empty string');
  const command = spec.command;
  const okCommand =
    (typeof command === 'string' && command.trim() !== '') ||
    (Array.isArray(command) && command.length > 0 && command.every((part) => typeof part === 'string') && command[0] !== '');
  if (!okCommand) throw invalid('command must be a non-empty string or [file, ...args]');
  const instances = spec.instances ?? 1;
  if (!Number.isInteger(instances) || instances < 1 || instances > 64) throw invalid('instances must be an integer from 1 to 64');
  for (const [name, value] of Object.entries(spec.env ?? {})) {
    if (typeof value !== 'string') throw invalid(`env ${name} must be a string`);
  }
  const health = spec.health ?? {};
  if (health.path !== undefined && !health.path.startsWith('/')) throw invalid('health.path must start with /');
  positive(health.intervalMs, 'health.intervalMs');
  positive(health.timeoutMs, 'health.timeoutMs');
  positive(health.healthyThreshold, 'health.healthyThreshold');
  positive(health.unhealthyThreshold, 'health.unhealthyThreshold');
  const restart = { ...RESTART_DEFAULTS, ...Object.fromEntries(Object.entries(spec.restart ?? {}).filter(([, v]) => v !== undefined)) };
  for (const [name, value] of Object.entries(restart)) positive(value, `restart.${name}`);
  positive(spec.stopTimeoutMs, 'stopTimeoutMs');
  return { ...spec, instances, health, restart, stopTimeoutMs: spec.stopTimeoutMs ?? 10_000 };
}
