import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { callerOf } from '../http/auth.js';
import { NullableTimestamp, problemResponses, Timestamp } from '../http/schemas.js';
import type { AuthService } from './service.js';
import { scopeDescription, scopePattern } from './tokens.js';

const Token = Type.Object({
  id: Type.String({ format: 'uuid' }), name: Type.String(), scope: Type.String(), prefix: Type.String(),
  createdAt: Timestamp, createdBy: Type.String(), expiresAt: NullableTimestamp, revokedAt: NullableTimestamp, lastUsedAt: NullableTimestamp,
});

const CreateToken = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9][A-Za-z0-9 ._-]*$' }),
  scope: Type.String({ pattern: scopePattern.source, description: scopeDescription }),
  expiresAt: Type.Optional(Type.String({ format: 'date-time' })),
}, { additionalProperties: false });

export const authRoutes = (auth: AuthService): FastifyPluginAsyncTypebox => async (app) => {
  app.post('/tokens', {
    config: { permission: 'admin' },
    schema: {
      tags: ['tokens'], summary: 'Create a token; its secret is shown in this response only', body: CreateToken,
      response: { 201: Type.Object({ token: Token, secret: Type.String() }), ...problemResponses },
    },
  }, async (request, reply) => {
    const created = await auth.create(callerOf(request), request.body);
    return reply.status(201).send(created);
  });

  app.get('/tokens', {
    config: { permission: 'admin' },
    schema: { tags: ['tokens'], summary: 'List tokens (never their secrets)', response: { 200: Type.Object({ items: Type.Array(Token) }), ...problemResponses } },
  }, async () => ({ items: await auth.list() }));

  app.delete('/tokens/:id', {
    config: { permission: 'admin' },
    schema: { tags: ['tokens'], summary: 'Revoke a token', params: Type.Object({ id: Type.String({ format: 'uuid' }) }), response: { 200: Token, ...problemResponses } },
  }, async (request) => auth.revoke(callerOf(request), request.params.id));

  app.get('/whoami', {
    config: { permission: 'read' },
    schema: { tags: ['tokens'], summary: 'The token making this request', response: { 200: Type.Object({ name: Type.String(), scope: Type.String(), tokenId: Type.String() }), ...problemResponses } },
  }, async (request) => ({ name: request.actor.name, scope: request.actor.scope, tokenId: request.actor.tokenId }));
};
