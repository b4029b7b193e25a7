import { randomUUID } from 'node:crypto';
import type { AuditService } from '../audit/service.js';
import type { Database } from '../db/database.js';
import type { Actor, Caller } from '../http/auth.js';
import { NotFoundError, ValidationError } from '../http/errors.js';
import { tokenStore, type TokenRow } from './store.js';
import { mintTicket, parseTicket, ticketSigned } from './tickets.js';
import { generateSecret, hashSecret, parseScope, scopeDescription, scopeGrants, scopePattern } from './tokens.js';

export interface Token {
  id: string;
  name: string;
  scope: string;
  prefix: string;
  createdAt: string;
  createdBy: string;
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

export interface AuthService {
  create(caller: Caller, input: { name: string; scope: string; expiresAt?: string }): Promise<{ token: Token; secret: string }>;
  list(): Promise<Token[]>;
  revoke(caller: Caller, id: string): Promise<Token>;
  resolve(secret: string): Promise<Actor | undefined>;
  grants(scope: string, permission: string): boolean;
  /** A signed ticket for OFREP's event stream, for an SDK token resolved on this replica (see tickets.ts). */
  streamTicket(actor: Actor): string | undefined;
  /** The SDK token a stream ticket stands for, while the ticket is unexpired and the token active. */
  resolveTicket(ticket: string): Promise<Actor | undefined>;
  /** On an empty database: the operator's GANTRY_ADMIN_TOKEN, or a generated one to print once. */
  seedAdmin(secret?: string): Promise<{ secret: string; generated: boolean } | undefined>;
}

/** Resolved tokens are cached briefly so a request does not wait on a lookup; revocation on this replica is immediate. */
const cacheMs = 2_000;

export function createAuthService(db: Database, audit: AuditService, deps: { environmentExists(name: string): Promise<boolean> }): AuthService {
  const cache = new Map<string, { actor: Actor; until: number }>();
  /** The stored hash of each resolved actor's token: the key its stream tickets are signed with. */
  const ticketKeys = new WeakMap<Actor, Buffer>();
  /** Tickets minted per actor, kept until the hour turns (a ticket is the same all hour). */
  const tickets = new WeakMap<Actor, { ticket: string; hour: number }>();
  const lastTouched = new Map<string, number>();

  async function insert(caller: Caller, name: string, scope: string, secret: string, expiresAt: Date | null): Promise<Token> {
    return db.tx(async (q) => {
      const row = await tokenStore.insert(q, {
        id: randomUUID(), name, scope, hash: hashSecret(secret), prefix: secret.slice(0, 8), createdBy: caller.actor.label, expiresAt,
      });
      const token = toToken(row);
      await audit.record(q, caller, 'token.created', { type: 'token', id: row.id }, null, token);
      return token;
    });
  }

  return {
    grants: scopeGrants,
    async create(caller, input) {
      if (!scopePattern.test(input.scope)) throw new ValidationError(`scope must be ${scopeDescription}; got "${input.scope}"`);
      const { environment } = parseScope(input.scope);
      if (environment !== undefined && !(await deps.environmentExists(environment))) throw new NotFoundError('environment', environment);
      const expiresAt = input.expiresAt ? new Date(input.expiresAt) : null;
      if (expiresAt && expiresAt.getTime() <= Date.now()) throw new ValidationError('expiresAt must be in the future');
      const secret = generateSecret();
      return { token: await insert(caller, input.name, input.scope, secret, expiresAt), secret };
    },
    async list() {
      return (await tokenStore.list(db)).map(toToken);
    },
    async revoke(caller, id) {
      const token = await db.tx(async (q) => {
        const before = await tokenStore.get(q, id);
        if (!before) throw new NotFoundError('token', id);
        const after = toToken((await tokenStore.revoke(q, id))!);
        await audit.record(q, caller, 'token.revoked', { type: 'token', id }, toToken(before), after);
        return after;
      });
      for (const [key, entry] of cache) if (entry.actor.tokenId === id) cache.delete(key);
      return token;
    },
    async resolve(secret) {
      const now = Date.now();
      const hash = hashSecret(secret);
      const key = hash.toString('base64');
      const hit = cache.get(key);
      if (hit && hit.until > now) return hit.actor;
      const row = await tokenStore.findActiveByHash(db, hash);
      if (!row) {
        cache.delete(key);
        return undefined;
      }
      const actor = toActor(row);
      ticketKeys.set(actor, row.hash);
      const until = Math.min(now + cacheMs, row.expires_at?.getTime() ?? Infinity);
      cache.set(key, { actor, until });
      // last_used_at is informational: write it at most once a minute per token.
      if ((lastTouched.get(row.id) ?? 0) < now - 60_000) {
        lastTouched.set(row.id, now);
        void tokenStore.touch(db, row.id).catch(() => {});
      }
      return actor;
    },
    streamTicket(actor) {
      const hour = Math.floor(Date.now() / 3_600_000);
      const kept = tickets.get(actor);
      if (kept?.hour === hour) return kept.ticket;
      const key = ticketKeys.get(actor);
      if (!key || actor.environment === undefined || !scopeGrants(actor.scope, 'sdk-client')) return undefined;
      const ticket = mintTicket(actor.tokenId, key);
      tickets.set(actor, { ticket, hour });
      return ticket;
    },
    async resolveTicket(ticket) {
      const parsed = parseTicket(ticket);
      if (!parsed) return undefined;
      const row = await tokenStore.get(db, parsed.tokenId);
      const active = row && row.revoked_at === null && (row.expires_at === null || row.expires_at.getTime() > Date.now());
      if (!active || !ticketSigned(parsed, row.hash)) return undefined;
      const actor = toActor(row);
      // The same permission the OFREP routes ask of a bearer token.
      return actor.environment !== undefined && scopeGrants(actor.scope, 'sdk-client') ? actor : undefined;
    },
    async seedAdmin(secret) {
      if ((await tokenStore.count(db)) > 0) return undefined;
      const value = secret ?? generateSecret();
      const system: Caller = { actor: { tokenId: '', name: 'gantry', scope: 'admin', label: 'system:first-start' }, requestId: 'startup' };
      await insert(system, 'first-admin', 'admin', value, null);
      return { secret: value, generated: secret === undefined };
    },
  };
}

function toActor(row: TokenRow): Actor {
  return { tokenId: row.id, name: row.name, scope: row.scope, label: `token:${row.name}`, environment: parseScope(row.scope).environment };
}

function toToken(r: TokenRow): Token {
  return {
    id: r.id, name: r.name, scope: r.scope, prefix: r.prefix, createdAt: r.created_at.toISOString(), createdBy: r.created_by,
    expiresAt: r.expires_at?.toISOString() ?? null, revokedAt: r.revoked_at?.toISOString() ?? null,
    lastUsedAt: r.last_used_at?.toISOString() ?? null,
  };
}
