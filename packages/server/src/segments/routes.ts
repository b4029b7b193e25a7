import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { Clause } from '../features/schemas.js';
import { callerOf } from '../http/auth.js';
import { expectedRevision, sendWithEtag } from '../http/etag.js';
import { Name, problemResponses, Timestamp } from '../http/schemas.js';
import type { SegmentsService } from './service.js';

const Keys = Type.Array(Type.String({ minLength: 1, maxLength: 256 }), { maxItems: 100_000 });
const Fields = {
  description: Type.Optional(Type.String({ maxLength: 2000 })),
  included: Type.Optional(Keys),
  excluded: Type.Optional(Keys),
  rules: Type.Optional(Type.Array(Type.Object({ clauses: Type.Array(Clause, { minItems: 1, maxItems: 50 }) }, { additionalProperties: false }), { maxItems: 100 })),
};
const Segment = Type.Object({
  environment: Type.String(), key: Type.String(), description: Type.String(), included: Type.Array(Type.String()), excluded: Type.Array(Type.String()),
  rules: Type.Array(Type.Unknown()), revision: Type.Integer(), createdAt: Timestamp, updatedAt: Timestamp,
});
const EnvParams = Type.Object({ environment: Name });
const Params = Type.Object({ environment: Name, key: Name });

export const segmentsRoutes = (segments: SegmentsService): FastifyPluginAsyncTypebox => async (app) => {
  app.post('/environments/:environment/segments', {
    config: { permission: 'release' },
    schema: {
      tags: ['segments'], summary: 'Create a segment: included and excluded keys plus rules', params: EnvParams,
      body: Type.Object({ key: Name, ...Fields }, { additionalProperties: false }), response: { 201: Segment, ...problemResponses },
    },
  }, async (request, reply) => {
    const { key, ...fields } = request.body;
    return reply.status(201).send(sendWithEtag(reply, await segments.create(callerOf(request), request.params.environment, key, fields)));
  });

  app.get('/environments/:environment/segments', {
    config: { permission: 'read' },
    schema: { tags: ['segments'], summary: 'List an environment\'s segments', params: EnvParams, response: { 200: Type.Object({ items: Type.Array(Segment) }), ...problemResponses } },
  }, async (request) => ({ items: await segments.list(request.params.environment) }));

  app.get('/environments/:environment/segments/:key', {
    config: { permission: 'read' },
    schema: { tags: ['segments'], summary: 'Show a segment', params: Params, response: { 200: Segment, ...problemResponses } },
  }, async (request, reply) => sendWithEtag(reply, await segments.get(request.params.environment, request.params.key)));

  app.put('/environments/:environment/segments/:key', {
    config: { permission: 'release' },
    schema: {
      tags: ['segments'], summary: 'Replace a segment (honours If-Match)', params: Params,
      body: Type.Object(Fields, { additionalProperties: false }), response: { 200: Segment, ...problemResponses },
    },
  }, async (request, reply) => sendWithEtag(reply, await segments.replace(callerOf(request), request.params.environment, request.params.key, expectedRevision(request), request.body)));

  app.delete('/environments/:environment/segments/:key', {
    config: { permission: 'release' },
    schema: { tags: ['segments'], summary: 'Delete a segment no feature uses', params: Params, response: { 204: Type.Null(), ...problemResponses } },
  }, async (request, reply) => {
    await segments.remove(callerOf(request), request.params.environment, request.params.key);
    return reply.status(204).send(null);
  });
};
