import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ForbiddenError, UnauthorizedError } from './errors.js';

/** What a route needs. `public` is for /healthz and the API document only. */
export type Permission = 'public' | 'read' | 'deploy' | 'release' | 'admin' | 'sdk-server' | 'sdk-client' | 'agent';

export interface Actor {
  tokenId: string;
  name: string;
  scope: string;
  /** How the actor appears in audit events and deployment records. */
  label: string;
  /** The one environment an SDK token is bound to. */
  environment?: string | undefined;
}

export type ResolveToken = (secret: string) => Promise<Actor | undefined>;
export type Grants = (scope: string, permission: Exclude<Permission, 'public'>) => boolean;

declare module 'fastify' {
  interface FastifyContextConfig {
    permission?: Permission;
  }
  interface FastifyRequest {
    actor: Actor;
  }
}

/** Every route is closed unless it says otherwise: a route without a permission needs admin. */
export function registerAuth(app: FastifyInstance, resolve: ResolveToken, grants: Grants): void {
  app.decorateRequest('actor', null as unknown as Actor);
  app.addHook('onRequest', async (request: FastifyRequest) => {
    const permission = request.routeOptions.config?.permission ?? 'admin';
    if (permission === 'public' || !request.routeOptions.url) return;
    // OFREP clients may send the token as X-API-Key instead of a bearer token.
    const apiKey = request.headers['x-api-key'];
    const secret = bearer(request.headers.authorization) ?? (typeof apiKey === 'string' && apiKey.length <= 512 ? apiKey : undefined);
    if (!secret) throw new UnauthorizedError();
    const actor = await resolve(secret);
    if (!actor) throw new UnauthorizedError('the bearer token is unknown, expired or revoked');
    if (!grants(actor.scope, permission)) {
      throw new ForbiddenError(`a token with scope "${actor.scope}" may not ${request.method} ${request.routeOptions.url}: it needs the ${permission} permission`);
    }
    request.actor = actor;
  });
}

function bearer(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer\s+(\S{1,512})$/i.exec(header.trim());
  return match?.[1];
}

/** Who asks, passed from a route to a service so that audit events name them. */
export interface Caller {
  actor: Actor;
  requestId: string;
}

export function callerOf(request: FastifyRequest): Caller {
  return { actor: request.actor, requestId: String(request.id) };
}

/** The actor for changes Gantry makes by itself (first start, controllers). */
export const systemActor: Actor = { tokenId: '00000000-0000-0000-0000-000000000000', name: 'gantry', scope: 'admin', label: 'system:gantry' };
