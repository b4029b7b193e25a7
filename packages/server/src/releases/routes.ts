import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { FeatureKey, ReleaseSchema } from '../features/schemas.js';
import { callerOf } from '../http/auth.js';
import { decodeCursor, Page } from '../http/pagination.js';
import { literals, Name, problemResponses } from '../http/schemas.js';
import type { ReleasesService } from './service.js';

const Id = Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2 ** 53 - 1 }) });

export const releasesRoutes = (releases: ReleasesService): FastifyPluginAsyncTypebox => async (app) => {
  app.get('/releases', {
    config: { permission: 'read' },
    schema: {
      tags: ['releases'], summary: 'Release history: who changed who sees which feature, when and why',
      querystring: Type.Object({
        feature: Type.Optional(FeatureKey), environment: Type.Optional(Name), state: Type.Optional(literals(['applied', 'scheduled', 'cancelled', 'failed'] as const)),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })), cursor: Type.Optional(Type.String({ maxLength: 200 })),
      }),
      response: { 200: Page(ReleaseSchema), ...problemResponses },
    },
  }, async (request) => {
    const { limit = 50, cursor, ...filter } = request.query;
    return releases.list({ ...filter, limit, ...(cursor !== undefined ? { cursor: decodeCursor(cursor)! } : {}) });
  });

  app.get('/releases/:id', {
    config: { permission: 'read' },
    schema: { tags: ['releases'], summary: 'Show a release', params: Id, response: { 200: ReleaseSchema, ...problemResponses } },
  }, async (request) => releases.get(request.params.id));

  app.delete('/releases/:id', {
    config: { permission: 'release' },
    schema: { tags: ['releases'], summary: 'Cancel a scheduled release', params: Id, response: { 200: ReleaseSchema, ...problemResponses } },
  }, async (request) => releases.cancel(callerOf(request), request.params.id));
};
