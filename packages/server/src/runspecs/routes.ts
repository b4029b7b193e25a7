import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { callerOf } from '../http/auth.js';
import { expectedRevision, sendWithEtag } from '../http/etag.js';
import { Name, problemResponses, Timestamp } from '../http/schemas.js';
import { RunSpec } from './schema.js';
import type { RunSpecsService } from './service.js';

const Stored = Type.Object({ service: Type.String(), revision: Type.Integer(), spec: RunSpec, createdAt: Timestamp, createdBy: Type.String() });

export const runSpecsRoutes = (runSpecs: RunSpecsService): FastifyPluginAsyncTypebox => async (app) => {
  app.put('/services/:service/run-spec', {
    config: { permission: 'admin' },
    schema: {
      tags: ['services'], summary: 'Set how a service is fetched, run, health-checked and switched (a new revision; honours If-Match)',
      params: Type.Object({ service: Name }), body: RunSpec, response: { 200: Stored, ...problemResponses },
    },
  }, async (request, reply) => sendWithEtag(reply, await runSpecs.put(callerOf(request), request.params.service, expectedRevision(request), request.body)));

  app.get('/services/:service/run-spec', {
    config: { permission: 'read' },
    schema: { tags: ['services'], summary: 'The current run specification of a service', params: Type.Object({ service: Name }), response: { 200: Stored, ...problemResponses } },
  }, async (request, reply) => sendWithEtag(reply, await runSpecs.get(request.params.service)));
};
