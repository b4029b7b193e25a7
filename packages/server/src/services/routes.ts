import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { callerOf } from '../http/auth.js';
import { expectedRevision, sendWithEtag } from '../http/etag.js';
import { Page } from '../http/pagination.js';
import { Name, problemResponses, Timestamp } from '../http/schemas.js';
import type { ServicesService } from './service.js';

const Service = Type.Object({ name: Type.String(), description: Type.String(), revision: Type.Integer(), createdAt: Timestamp, updatedAt: Timestamp });
const Description = Type.String({ maxLength: 2000 });
const Params = Type.Object({ name: Name });
const ListQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
  cursor: Type.Optional(Name),
});

export const servicesRoutes = (services: ServicesService): FastifyPluginAsyncTypebox => async (app) => {
  app.post('/services', {
    config: { permission: 'admin' },
    schema: {
      tags: ['services'], summary: 'Create a service', body: Type.Object({ name: Name, description: Type.Optional(Description) }, { additionalProperties: false }),
      response: { 201: Service, ...problemResponses },
    },
  }, async (request, reply) => reply.status(201).send(sendWithEtag(reply, await services.create(callerOf(request), request.body))));

  app.get('/services', {
    config: { permission: 'read' },
    schema: { tags: ['services'], summary: 'List services by name', querystring: ListQuery, response: { 200: Page(Service), ...problemResponses } },
  }, async (request) => {
    const limit = request.query.limit ?? 100;
    const rows = await services.list({ ...(request.query.cursor ? { after: request.query.cursor } : {}), limit: limit + 1 });
    const items = rows.slice(0, limit);
    return { items, nextCursor: rows.length > limit ? items[items.length - 1]!.name : null };
  });

  app.get('/services/:name', {
    config: { permission: 'read' },
    schema: { tags: ['services'], summary: 'Show a service', params: Params, response: { 200: Service, ...problemResponses } },
  }, async (request, reply) => sendWithEtag(reply, await services.get(request.params.name)));

  app.patch('/services/:name', {
    config: { permission: 'admin' },
    schema: {
      tags: ['services'], summary: 'Update a service (honours If-Match)', params: Params,
      body: Type.Object({ description: Type.Optional(Description) }, { additionalProperties: false }),
      response: { 200: Service, ...problemResponses },
    },
  }, async (request, reply) => sendWithEtag(reply, await services.update(callerOf(request), request.params.name, expectedRevision(request), request.body)));
};
