import { createHash, randomBytes } from 'node:crypto';

/** Scopes of this release; later modules add SDK scopes per environment. */
export const tokenScopes = ['admin', 'ci', 'read'] as const;
export type TokenScope = (typeof tokenScopes)[number];

const permissionsOf: Record<TokenScope, ReadonlySet<string>> = {
  admin: new Set(['read', 'deploy', 'admin']),
  ci: new Set(['read', 'deploy']),
  read: new Set(['read']),
};

export function scopeGrants(scope: string, permission: string): boolean {
  return (permissionsOf as Record<string, ReadonlySet<string> | undefined>)[scope]?.has(permission) ?? false;
}

/** Tokens carry 256 random bits, so a fast hash is enough: nothing to brute-force. */
export function hashSecret(secret: string): Buffer {
  return createHash('sha256').update(secret).digest();
}

export function generateSecret(): string {
  return `gnt_${randomBytes(32).toString('base64url')}`;
}
