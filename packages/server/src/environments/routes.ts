import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { callerOf } from '../http/auth.js';
import { expectedRevision, sendWithEtag } from '../http/etag.js';
import { Name, NullableString, problemResponses, Timestamp } from '../http/schemas.js';
import type { EnvironmentsService } from './service.js';

const Label = Type.String({ pattern: '^[a-z0-9][a-z0-9._-]{0,62}$' });
const Environment = Type.Object({
  name: Type.String(), position: Type.Integer(), previous: NullableString, protected: Type.Boolean(),
  freeze: Type.Union([Type.Object({ until: Timestamp, reason: Type.String() }), Type.Null()]),
  policy: Type.Object({ requiredLabel: NullableString, requirePreviousSuccess: Type.Boolean() }),
  revision: Type.Integer(), createdAt: Timestamp, updatedAt: Timestamp,
});
const Params = Type.Object({ name: Name });

export const environmentsRoutes = (environments: EnvironmentsService): FastifyPluginAsyncTypebox => async (app) => {
  app.post('/environments', {
    config: { permission: 'admin' },
    schema: {
      tags: ['environments'], summary: 'Create an environment at the end of the promotion path, or after another one',
      body: Type.Object({
        name: Name, after: Type.Optional(Name), protected: Type.Optional(Type.Boolean()),
        requiredLabel: Type.Optional(Type.Union([Label, Type.Null()])), requirePreviousSuccess: Type.Optional(Type.Boolean()),
      }, { additionalProperties: false }),
      response: { 201: Environment, ...problemResponses },
    },
  }, async (request, reply) => reply.status(201).send(sendWithEtag(reply, await environments.create(callerOf(request), request.body))));

  app.get('/environments', {
    config: { permission: 'read' },
    schema: { tags: ['environments'], summary: 'The promotion path, in order', response: { 200: Type.Object({ items: Type.Array(Environment) }), ...problemResponses } },
  }, async () => ({ items: await environments.list() }));

  app.get('/environments/:name', {
    config: { permission: 'read' },
    schema: { tags: ['environments'], summary: 'Show an environment', params: Params, response: { 200: Environment, ...problemResponses } },
  }, async (request, reply) => sendWithEtag(reply, await environments.get(request.params.name)));

  app.patch('/environments/:name', {
    config: { permission: 'admin' },
    schema: {
      tags: ['environments'], summary: 'Change protection or promotion policy (honours If-Match)', params: Params,
      body: Type.Object({
        protected: Type.Optional(Type.Boolean()), requiredLabel: Type.Optional(Type.Union([Label, Type.Null()])),
        requirePreviousSuccess: Type.Optional(Type.Boolean()),
      }, { additionalProperties: false, minProperties: 1 }),
      response: { 200: Environment, ...problemResponses },
    },
  }, async (request, reply) => sendWithEtag(reply, await environments.update(callerOf(request), request.params.name, expectedRevision(request), request.body)));

  app.put('/environments/:name/freeze', {
    config: { permission: 'admin' },
    schema: {
      tags: ['environments'], summary: 'Freeze deployments until a time', params: Params,
      body: Type.Object({ until: Type.String({ format: 'date-time' }), reason: Type.String({ minLength: 1, maxLength: 500 }) }, { additionalProperties: false }),
      response: { 200: Environment, ...problemResponses },
    },
  }, async (request, reply) => sendWithEtag(reply, await environments.freeze(callerOf(request), request.params.name, expectedRevision(request), request.body)));

  app.delete('/environments/:name/freeze', {
    config: { permission: 'admin' },
    schema: { tags: ['environments'], summary: 'End a freeze now', params: Params, response: { 200: Environment, ...problemResponses } },
  }, async (request, reply) => sendWithEtag(reply, await environments.unfreeze(callerOf(request), request.params.name, expectedRevision(request))));
};
