import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { callerOf } from '../http/auth.js';
import { etagOf, expectedRevision, sendWithEtag } from '../http/etag.js';
import { ValidationError } from '../http/errors.js';
import { Page } from '../http/pagination.js';
import { literals, Name, problemResponses } from '../http/schemas.js';
import type { ReleaseRequest } from './release-actions.js';
import { Config, ConfigSchema, CreateFeature, FeatureKey, FeatureSchema, ReleaseBody, ReleaseSchema } from './schemas.js';
import type { FeaturesService } from './service.js';

const KeyParams = Type.Object({ key: FeatureKey });
const ConfigParams = Type.Object({ key: FeatureKey, environment: Name });

function releaseRequest(body: { action: string; percent?: number; segment?: string }): ReleaseRequest {
  switch (body.action) {
    case 'percent':
      if (body.percent === undefined) throw new ValidationError('action "percent" needs percent (0 to 100)');
      return { action: 'percent', percent: body.percent };
    case 'segment':
      if (body.segment === undefined) throw new ValidationError('action "segment" needs segment');
      return { action: 'segment', segment: body.segment };
    default:
      if (body.percent !== undefined || body.segment !== undefined) throw new ValidationError(`action "${body.action}" takes neither percent nor segment`);
      return { action: body.action as 'on' | 'off' | 'kill' };
  }
}

export const featuresRoutes = (features: FeaturesService): FastifyPluginAsyncTypebox => async (app) => {
  app.post('/features', {
    config: { permission: 'release' },
    schema: { tags: ['features'], summary: 'Create a feature (off in every environment)', body: CreateFeature, response: { 201: FeatureSchema, ...problemResponses } },
  }, async (request, reply) => reply.status(201).send(sendWithEtag(reply, await features.create(callerOf(request), request.body))));

  app.get('/features', {
    config: { permission: 'read' },
    schema: {
      tags: ['features'], summary: 'List features with who sees each in every environment',
      querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })), cursor: Type.Optional(FeatureKey) }),
      response: { 200: Page(FeatureSchema), ...problemResponses },
    },
  }, async (request) => {
    const limit = request.query.limit ?? 100;
    const rows = await features.list({ ...(request.query.cursor ? { after: request.query.cursor } : {}), limit: limit + 1 });
    const items = rows.slice(0, limit);
    return { items, nextCursor: rows.length > limit ? items[items.length - 1]!.key : null };
  });

  app.get('/features/:key', {
    config: { permission: 'read' },
    schema: { tags: ['features'], summary: 'Show a feature', params: KeyParams, response: { 200: FeatureSchema, ...problemResponses } },
  }, async (request, reply) => sendWithEtag(reply, await features.get(request.params.key)));

  app.patch('/features/:key', {
    config: { permission: 'release' },
    schema: {
      tags: ['features'], summary: 'Change a feature\'s description, owner or kind (honours If-Match)', params: KeyParams,
      body: Type.Object({
        description: Type.Optional(Type.String({ maxLength: 2000 })), owner: Type.Optional(Type.String({ maxLength: 200 })),
        kind: Type.Optional(literals(['release', 'experiment', 'operational', 'kill-switch', 'permission'] as const)),
      }, { additionalProperties: false, minProperties: 1 }),
      response: { 200: FeatureSchema, ...problemResponses },
    },
  }, async (request, reply) => sendWithEtag(reply, await features.update(callerOf(request), request.params.key, expectedRevision(request), request.body)));

  app.get('/features/:key/environments/:environment', {
    config: { permission: 'read' },
    schema: { tags: ['features'], summary: 'A feature\'s configuration in one environment', params: ConfigParams, response: { 200: ConfigSchema, ...problemResponses } },
  }, async (request, reply) => sendWithEtag(reply, await features.config(request.params.key, request.params.environment)));

  app.put('/features/:key/environments/:environment', {
    config: { permission: 'release' },
    schema: {
      tags: ['features'], summary: 'Replace a feature\'s configuration in one environment (a release; honours If-Match)', params: ConfigParams,
      body: Type.Object({ config: Config, reason: Type.Optional(Type.String({ minLength: 1, maxLength: 1000 })) }, { additionalProperties: false }),
      response: { 200: Type.Object({ release: ReleaseSchema, config: ConfigSchema }), ...problemResponses },
    },
  }, async (request, reply) => {
    const revision = expectedRevision(request);
    const result = await features.release(callerOf(request), request.params.key, request.params.environment,
      { action: 'configure', config: request.body.config }, { ...(request.body.reason ? { reason: request.body.reason } : {}), ...(revision !== undefined ? { revision } : {}) });
    void reply.header('etag', etagOf(result.config.revision));
    return result;
  });

  app.post('/features/:key/environments/:environment/releases', {
    config: { permission: 'release' },
    schema: {
      tags: ['features'], summary: 'Release: turn on or off, kill, roll out to a percentage, or release to a segment — now or at a time', params: ConfigParams,
      body: ReleaseBody, response: { 201: Type.Object({ release: ReleaseSchema, config: ConfigSchema }), ...problemResponses },
    },
  }, async (request, reply) => {
    const { reason, at } = request.body;
    const atDate = at ? new Date(at) : undefined;
    if (atDate && atDate.getTime() < Date.now() - 60_000) throw new ValidationError(`at ${at} is in the past`);
    const revision = expectedRevision(request);
    const result = await features.release(callerOf(request), request.params.key, request.params.environment, releaseRequest(request.body), {
      ...(reason ? { reason } : {}), ...(atDate ? { at: atDate } : {}), ...(revision !== undefined ? { revision } : {}),
    });
    return reply.status(201).send(result);
  });
};
