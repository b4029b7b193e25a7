import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { versionPattern } from '../artifacts/versions.js';
import type { Database } from '../db/database.js';
import { callerOf } from '../http/auth.js';
import { expectedRevision, sendWithEtag } from '../http/etag.js';
import { decodeCursor, Page } from '../http/pagination.js';
import { literals, Name, NullableString, NullableTimestamp, problemResponses, Timestamp } from '../http/schemas.js';
import { readMatrix } from './matrix.js';
import { drivers, strategies, type DeploymentsService } from './service.js';
import { deploymentStates } from './state-machine.js';

const State = literals(deploymentStates);
const Deployment = Type.Object({
  id: Type.Integer(), service: Type.String(), environment: Type.String(), version: Type.String(), artifactId: Type.String(),
  strategy: Type.String(), driver: Type.String(), state: State, kind: literals(['deploy', 'rollback'] as const),
  rollbackOf: Type.Union([Type.Integer(), Type.Null()]), reason: NullableString, overrideReason: NullableString, message: NullableString,
  requestedBy: Type.String(), approvedBy: NullableString, revision: Type.Integer(),
  createdAt: Timestamp, startedAt: NullableTimestamp, finishedAt: NullableTimestamp, updatedAt: Timestamp,
  progress: Type.Union([Type.Object({ step: Type.Integer(), steps: Type.Array(Type.String()) }), Type.Null()]),
  analysis: Type.Array(Type.Unknown()),
  previousVersion: NullableString,
});
const Id = Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2 ** 53 - 1 }) });
const Reason = Type.String({ minLength: 1, maxLength: 1000 });
const LogLine = Type.Object({ id: Type.Integer(), at: Timestamp, level: Type.String(), message: Type.String() });
const Cell = Type.Object({
  environment: Type.String(),
  current: Type.Union([Type.Object({ version: Type.String(), deploymentId: Type.Integer(), at: Timestamp, by: Type.String() }), Type.Null()]),
  latest: Type.Union([Type.Object({ version: Type.String(), deploymentId: Type.Integer(), state: Type.String(), at: Timestamp, by: Type.String() }), Type.Null()]),
  behindPrevious: Type.Union([Type.Integer(), Type.Null()]),
});

export const deploymentsRoutes = (deployments: DeploymentsService, db: Database): FastifyPluginAsyncTypebox => async (app) => {
  app.post('/deployments', {
    config: { permission: 'deploy' },
    schema: {
      tags: ['deployments'], summary: 'Request a deployment of one artifact into one environment',
      body: Type.Object({
        service: Name, environment: Name, version: Type.String({ pattern: versionPattern }),
        strategy: Type.Optional(literals(strategies)), driver: Type.Optional(literals(drivers)),
        reason: Type.Optional(Reason), queue: Type.Optional(Type.Boolean()), overrideFreeze: Type.Optional(Reason),
      }, { additionalProperties: false }),
      response: { 201: Deployment, ...problemResponses },
    },
  }, async (request, reply) => reply.status(201).send(sendWithEtag(reply, await deployments.create(callerOf(request), request.body))));

  app.get('/deployments', {
    config: { permission: 'read' },
    schema: {
      tags: ['deployments'], summary: 'Deployment history, newest first',
      querystring: Type.Object({
        service: Type.Optional(Name), environment: Type.Optional(Name), state: Type.Optional(State),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })), cursor: Type.Optional(Type.String({ maxLength: 200 })),
      }),
      response: { 200: Page(Deployment), ...problemResponses },
    },
  }, async (request) => {
    const { limit = 50, cursor, ...filter } = request.query;
    return deployments.list({ ...filter, limit, ...(cursor !== undefined ? { cursor: decodeCursor(cursor)! } : {}) });
  });

  app.get('/deployments/:id', {
    config: { permission: 'read' },
    schema: { tags: ['deployments'], summary: 'Show a deployment', params: Id, response: { 200: Deployment, ...problemResponses } },
  }, async (request, reply) => sendWithEtag(reply, await deployments.get(request.params.id)));

  app.post('/deployments/:id/report', {
    config: { permission: 'deploy' },
    schema: {
      tags: ['deployments'], summary: 'Report progress or the outcome of a deployment performed outside Gantry (honours If-Match)', params: Id,
      body: Type.Object({ state: literals(['running', 'verifying', 'succeeded', 'failed', 'rolled-back'] as const), message: Type.Optional(Reason) }, { additionalProperties: false }),
      response: { 200: Deployment, ...problemResponses },
    },
  }, async (request, reply) => sendWithEtag(reply, await deployments.report(callerOf(request), request.params.id, expectedRevision(request), request.body)));

  app.post('/deployments/:id/approve', {
    config: { permission: 'admin' },
    schema: {
      tags: ['deployments'], summary: 'Approve a deployment waiting in a protected environment (never by its requester)', params: Id,
      body: Type.Optional(Type.Object({ comment: Type.Optional(Reason) }, { additionalProperties: false })),
      response: { 200: Deployment, ...problemResponses },
    },
  }, async (request) => deployments.approve(callerOf(request), request.params.id, request.body?.comment));

  app.post('/deployments/:id/reject', {
    config: { permission: 'admin' },
    schema: {
      tags: ['deployments'], summary: 'Reject a deployment waiting for approval', params: Id,
      body: Type.Object({ comment: Reason }, { additionalProperties: false }), response: { 200: Deployment, ...problemResponses },
    },
  }, async (request) => deployments.reject(callerOf(request), request.params.id, request.body.comment));

  app.post('/deployments/:id/logs', {
    config: { permission: 'deploy' },
    schema: {
      tags: ['deployments'], summary: 'Append log lines to an unfinished deployment', params: Id,
      body: Type.Object({
        lines: Type.Array(Type.Object({
          message: Type.String({ minLength: 1, maxLength: 4000 }), level: Type.Optional(literals(['debug', 'info', 'warn', 'error'] as const)),
        }, { additionalProperties: false }), { minItems: 1, maxItems: 1000 }),
      }, { additionalProperties: false }),
      response: { 204: Type.Null(), ...problemResponses },
    },
  }, async (request, reply) => {
    await deployments.appendLogs(callerOf(request), request.params.id, request.body.lines);
    return reply.status(204).send(null);
  });

  app.get('/deployments/:id/logs', {
    config: { permission: 'read' },
    schema: {
      tags: ['deployments'], summary: 'A deployment\'s log lines after a given line id', params: Id,
      querystring: Type.Object({ after: Type.Optional(Type.Integer({ minimum: 0 })), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 5000, default: 1000 })) }),
      response: { 200: Type.Object({ state: State, items: Type.Array(LogLine) }), ...problemResponses },
    },
  }, async (request) => {
    const [deployment, items] = await Promise.all([deployments.get(request.params.id), deployments.logs(request.params.id, request.query.after ?? 0, request.query.limit ?? 1000)]);
    return { state: deployment.state, items };
  });

  app.post('/deployments/:id/promote', {
    config: { permission: 'deploy' },
    schema: { tags: ['deployments'], summary: 'End the current pause of a deployment Gantry runs (a canary `pause {}` waits for this)', params: Id, response: { 200: Deployment, ...problemResponses } },
  }, async (request) => deployments.promote(callerOf(request), request.params.id));

  app.post('/deployments/:id/abort', {
    config: { permission: 'deploy' },
    schema: {
      tags: ['deployments'], summary: 'Stop a deployment Gantry runs and roll it back', params: Id,
      body: Type.Object({ reason: Reason }, { additionalProperties: false }), response: { 200: Deployment, ...problemResponses },
    },
  }, async (request) => deployments.abort(callerOf(request), request.params.id, request.body.reason));

  app.post('/rollbacks', {
    config: { permission: 'deploy' },
    schema: {
      tags: ['deployments'], summary: 'Redeploy the previous successful version of a service in an environment',
      body: Type.Object({ service: Name, environment: Name, reason: Type.Optional(Reason) }, { additionalProperties: false }),
      response: { 201: Deployment, ...problemResponses },
    },
  }, async (request, reply) => reply.status(201).send(await deployments.rollback(callerOf(request), request.body)));

  app.get('/matrix', {
    config: { permission: 'read' },
    schema: {
      tags: ['deployments'], summary: 'Services × environments: what runs where, since when, by whom',
      response: { 200: Type.Object({ environments: Type.Array(Type.String()), services: Type.Array(Type.Object({ service: Type.String(), cells: Type.Array(Cell) })) }), ...problemResponses },
    },
  }, async () => readMatrix(db));
};
