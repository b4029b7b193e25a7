import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { Database } from '../db/database.js';
import { ForbiddenError, NotFoundError, ValidationError } from '../http/errors.js';
import { problemResponses } from '../http/schemas.js';
import type { SnapshotService } from '../snapshots/service.js';
import { evaluationSeries, recordSdkReport } from './service.js';
import type { StreamHub } from './stream.js';

/** SDK tokens are bound to one environment; that binding, not a parameter, chooses the snapshot. */
export function environmentOf(request: FastifyRequest): string {
  const environment = request.actor.environment;
  if (!environment) throw new ForbiddenError('this endpoint needs an SDK token (scope sdk-server:<environment> or sdk-client:<environment>)');
  return environment;
}

const FlagKey = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$' });
const Events = Type.Object({
  evaluations: Type.Optional(Type.Array(Type.Object({
    feature: FlagKey, variant: Type.String({ maxLength: 128 }), count: Type.Integer({ minimum: 1, maximum: 1e9 }),
    minute: Type.String({ format: 'date-time' }),
  }, { additionalProperties: false }), { maxItems: 5000 })),
  events: Type.Optional(Type.Array(Type.Object({
    key: Type.String({ minLength: 1, maxLength: 128 }), contextKey: Type.Optional(Type.String({ maxLength: 256 })),
    value: Type.Optional(Type.Number()), at: Type.String({ format: 'date-time' }),
  }, { additionalProperties: false }), { maxItems: 5000 })),
}, { additionalProperties: false });

export const sdkRoutes = (snapshots: SnapshotService, hub: StreamHub, db: Database): FastifyPluginAsyncTypebox => async (app) => {
  app.get('/sdk/snapshot', {
    config: { permission: 'sdk-server' },
    schema: {
      tags: ['sdk'], summary: 'The environment\'s flag snapshot (304 when If-None-Match carries its ETag)',
      response: { 200: Type.Unknown(), 304: Type.Null(), ...problemResponses },
    },
  }, async (request, reply) => {
    const s = await snapshots.get(environmentOf(request), { fresh: true });
    void reply.header('etag', s.etag).header('cache-control', 'no-cache');
    if (request.headers['if-none-match'] === s.etag) return reply.status(304).send(null);
    return reply.type('application/json').serializer((x) => x as string).send(s.json as never);
  });

  app.get('/sdk/stream', {
    config: { permission: 'sdk-server' },
    schema: { tags: ['sdk'], summary: 'Server-Sent Events: `snapshot` on connect, `patch` per change, heartbeats; resumes with Last-Event-ID', response: { ...problemResponses } },
  }, async (request, reply) => hub.serve(request, reply, environmentOf(request)));

  app.get('/sdk/changes', {
    config: { permission: 'sdk-client' },
    schema: { tags: ['sdk'], summary: 'Server-Sent Events for browsers: `revision` on connect and on every change, nothing else; re-evaluate over OFREP then', response: { ...problemResponses } },
  }, async (request, reply) => hub.serve(request, reply, environmentOf(request), 'revisions'));

  app.post('/sdk/events', {
    config: { permission: 'sdk-client' },
    schema: { tags: ['sdk'], summary: 'Evaluation counts and custom events reported by SDKs', body: Events, response: { 202: Type.Null(), ...problemResponses } },
  }, async (request, reply) => {
    const environment = environmentOf(request);
    const now = Date.now();
    const dated = (at: string) => {
      const t = Date.parse(at);
      if (t > now + 300_000 || t < now - 7 * 86_400_000) throw new ValidationError(`event time ${at} is more than 5 minutes ahead or a week behind`);
      return new Date(t);
    };
    const evaluations = (request.body.evaluations ?? []).map((e) => ({ ...e, minute: dated(e.minute) }));
    const events = (request.body.events ?? []).map((e) => ({ key: e.key, contextKey: e.contextKey ?? null, value: e.value ?? null, at: dated(e.at) }));
    await recordSdkReport(db, environment, { evaluations, events });
    return reply.status(202).send(null);
  });

  app.get('/features/:key/environments/:environment/evaluations', {
    config: { permission: 'read' },
    schema: {
      tags: ['features'], summary: 'How often each variant was served, as SDKs reported it: totals and a series by minute, hour or day',
      params: Type.Object({ key: FlagKey, environment: Type.String({ maxLength: 64 }) }),
      querystring: Type.Object({
        from: Type.Optional(Type.String({ format: 'date-time' })),
        to: Type.Optional(Type.String({ format: 'date-time' })),
        step: Type.Optional(Type.Union([Type.Literal('minute'), Type.Literal('hour'), Type.Literal('day')])),
      }, { additionalProperties: false }),
      response: { 200: Type.Unknown(), ...problemResponses },
    },
  }, async (request) => {
    const { key, environment } = request.params;
    // The snapshot says whether the environment and the feature exist, without reaching into their modules.
    const published = await snapshots.get(environment);
    if (!(key in published.snapshot.features)) throw new NotFoundError('feature', key);
    return evaluationSeries(db, environment, key, request.query);
  });
};
