import { createHash, randomBytes } from 'node:crypto';

/**
 * Scopes: `admin`, `ci` and `read` for people and pipelines; `sdk-server:<env>` (the whole flag
 * snapshot of one environment), `sdk-client:<env>` (evaluations for a given context only) and
 * `agent:<env>` (a host agent of one environment).
 */
export const scopePattern = /^(admin|ci|read|(sdk-server|sdk-client|agent):[a-z0-9][a-z0-9-]{0,62})$/;
export const scopeDescription = 'admin, ci, read, sdk-server:<environment>, sdk-client:<environment> or agent:<environment>';

const permissionsOf: Record<string, ReadonlySet<string>> = {
  admin: new Set(['read', 'deploy', 'release', 'admin']),
  ci: new Set(['read', 'deploy']),
  read: new Set(['read']),
  'sdk-server': new Set(['sdk-server', 'sdk-client']),
  'sdk-client': new Set(['sdk-client']),
  agent: new Set(['agent']),
};

/** `sdk-server:production` → { kind: 'sdk-server', environment: 'production' } */
export function parseScope(scope: string): { kind: string; environment: string | undefined } {
  const [kind = '', environment] = scope.split(':', 2);
  return { kind, environment };
}

export function scopeGrants(scope: string, permission: string): boolean {
  return permissionsOf[parseScope(scope).kind]?.has(permission) ?? false;
}

/** Tokens carry 256 random bits, so a fast hash is enough: nothing to brute-force. */
export function hashSecret(secret: string): Buffer {
  return createHash('sha256').update(secret).digest();
}

export function generateSecret(): string {
  return `gnt_${randomBytes(32).toString('base64url')}`;
}
