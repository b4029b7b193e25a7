import { AgentError } from '../errors.js';
import type { DesiredArtifact, DesiredRun, DesiredService, DesiredState, DesiredVersion } from './types.js';

/** A desired state from the server (or the state dir) that the agent cannot act on; the current one stays. */
export class InvalidDesiredStateError extends AgentError {
  constructor(message: string) {
    super('invalid_desired_state', message, 502);
  }
}

const fail = (message: string): never => {
  throw new InvalidDesiredStateError(message);
};

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const text = (value: unknown, what: string): string => (typeof value === 'string' && value !== '' ? value : fail(`${what} must be a non-empty string`));
const int = (value: unknown, what: string, min = 0): number => (Number.isInteger(value) && (value as number) >= min ? (value as number) : fail(`${what} must be an integer ≥ ${min}`));
const optionalInt = (value: unknown, what: string, min = 0): number | undefined => (value === undefined || value === null ? undefined : int(value, what, min));

function artifact(value: unknown, at: string): DesiredArtifact {
  if (!isObject(value)) return fail(`${at}.artifact must be an object`);
  const url = value.url === null || value.url === undefined ? null : text(value.url, `${at}.artifact.url`);
  const fetchCommand = value.fetchCommand === null || value.fetchCommand === undefined ? null : text(value.fetchCommand, `${at}.artifact.fetchCommand`);
  if (url === null && fetchCommand === null) fail(`${at}.artifact needs a url or a fetchCommand`);
  const digest = text(value.digest, `${at}.artifact.digest`);
  const unpack = value.unpack ?? 'tar';
  if (unpack !== 'tar' && unpack !== 'none') fail(`${at}.artifact.unpack must be "tar" or "none"`);
  return { url, digest, fetchCommand, unpack: unpack as 'tar' | 'none' };
}

function run(value: unknown, at: string): DesiredRun {
  if (!isObject(value)) return fail(`${at}.run must be an object`);
  const command = value.command;
  const ok = (typeof command === 'string' && command.trim() !== '') || (Array.isArray(command) && command.length > 0 && command.every((c) => typeof c === 'string'));
  if (!ok) fail(`${at}.run.command must be a string or an array of strings`);
  const env: Record<string, string> = {};
  if (value.env !== undefined && value.env !== null) {
    if (!isObject(value.env)) fail(`${at}.run.env must be an object`);
    for (const [name, v] of Object.entries(value.env as object)) env[name] = typeof v === 'string' ? v : fail(`${at}.run.env.${name} must be a string`);
  }
  const health = value.health;
  if (health !== undefined && health !== null && !isObject(health)) fail(`${at}.run.health must be an object`);
  const secrets = value.secrets ?? [];
  if (!Array.isArray(secrets) || !secrets.every((n) => typeof n === 'string' && /^[A-Za-z_][A-Za-z0-9_]{0,127}$/.test(n))) fail(`${at}.run.secrets must be a list of variable names`);
  return {
    command: command as string | string[],
    env,
    secrets: secrets as string[],
    instances: optionalInt(value.instances, `${at}.run.instances`, 1),
    health: (health as DesiredRun['health']) ?? null,
    stopTimeoutMs: optionalInt(value.stopTimeoutMs, `${at}.run.stopTimeoutMs`, 1),
  };
}

function version(value: unknown, at: string): DesiredVersion {
  if (!isObject(value)) return fail(`${at} must be an object`);
  return {
    version: text(value.version, `${at}.version`),
    deploymentId: value.deploymentId === null || value.deploymentId === undefined ? null : int(value.deploymentId, `${at}.deploymentId`, 1),
    artifact: artifact(value.artifact, at),
    run: run(value.run, at),
  };
}

function service(value: unknown, at: string): DesiredService {
  if (!isObject(value)) return fail(`${at} must be an object`);
  const name = text(value.service, `${at}.service`);
  const port = int(value.port, `${at}.port`, 0);
  if (port > 65535) fail(`${at}.port must be at most 65535`);
  if (!Array.isArray(value.versions)) fail(`${at}.versions must be an array`);
  const versions = (value.versions as unknown[]).map((v, i) => version(v, `${at}.versions[${i}]`));
  const names = new Set(versions.map((v) => v.version));
  if (names.size !== versions.length) fail(`${at}.versions lists a version twice`);
  const routes = isObject(value.routes) ? value.routes : { versions: [] };
  if (!Array.isArray(routes.versions)) fail(`${at}.routes.versions must be an array`);
  return {
    service: name,
    port,
    versions,
    routes: routes as unknown as DesiredService['routes'],
    drainTimeoutMs: optionalInt(value.drainTimeoutMs, `${at}.drainTimeoutMs`, 0),
  };
}

/** Check a desired state document enough to act on it safely; throws {@link InvalidDesiredStateError}. */
export function parseDesiredState(value: unknown): DesiredState {
  if (!isObject(value)) return fail('the desired state must be an object');
  const revision = int(value.revision, 'revision');
  if (!Array.isArray(value.services)) fail('services must be an array');
  const services = (value.services as unknown[]).map((s, i) => service(s, `services[${i}]`));
  const names = new Set(services.map((s) => s.service));
  if (names.size !== services.length) fail('services lists a service twice');
  const ports = services.map((s) => s.port).filter((p) => p !== 0);
  if (new Set(ports).size !== ports.length) fail('two services want the same port');
  return { revision, services };
}
