import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { callerOf } from '../http/auth.js';
import { Name, problemResponses, Timestamp } from '../http/schemas.js';
import type { AgentsService } from './service.js';
import type { AgentStatusReport } from './store.js';

const Id = Type.Object({ id: Type.String({ format: 'uuid' }) });
const Agent = Type.Object({
  id: Type.String(), environment: Type.String(), name: Type.String(), hostname: Type.String(), version: Type.String(),
  registeredAt: Timestamp, lastSeenAt: Timestamp, live: Type.Boolean(), appliedRevision: Type.Integer(), status: Type.Unknown(),
});
const Counters = Type.Object({
  requests: Type.Integer({ minimum: 0 }), errors5xx: Type.Integer({ minimum: 0 }),
  latencyMs: Type.Optional(Type.Object({ buckets: Type.Array(Type.Number(), { maxItems: 64 }), counts: Type.Array(Type.Integer({ minimum: 0 }), { maxItems: 65 }) })),
}, { additionalProperties: true });
const Status = Type.Object({
  desiredRevision: Type.Optional(Type.Integer({ minimum: 0 })),
  services: Type.Array(Type.Object({
    service: Type.String({ maxLength: 63 }),
    routesRevision: Type.Optional(Type.Integer({ minimum: 0 })),
    routes: Type.Optional(Type.Object({ versions: Type.Array(Type.Object({ version: Type.String({ maxLength: 128 }), weight: Type.Integer({ minimum: 0, maximum: 100_000 }) }, { additionalProperties: true }), { maxItems: 100 }) }, { additionalProperties: true })),
    versions: Type.Array(Type.Object({
      version: Type.String({ maxLength: 128 }),
      state: Type.Enum(['fetching', 'starting', 'ready', 'failed', 'stopping']),
      healthyInstances: Type.Integer({ minimum: 0 }),
      instances: Type.Optional(Type.Array(Type.Unknown(), { maxItems: 1000 })),
      error: Type.Optional(Type.Union([Type.String({ maxLength: 4000 }), Type.Null()])),
    }, { additionalProperties: true }), { maxItems: 100 }),
    router: Type.Optional(Type.Object({ versions: Type.Record(Type.String({ maxLength: 128 }), Counters) }, { additionalProperties: true })),
  }, { additionalProperties: true }), { maxItems: 500 }),
}, { additionalProperties: true });

export const agentsRoutes = (agents: AgentsService, appendLogs: (deploymentId: number, lines: { level: string; message: string }[]) => Promise<void>, reported: () => void): FastifyPluginAsyncTypebox => async (app) => {
  app.post('/agents', {
    config: { permission: 'agent' },
    schema: {
      tags: ['agents'], summary: 'Register (or re-register) this agent as a deployment target of its token\'s environment',
      body: Type.Object({ name: Name, hostname: Type.Optional(Type.String({ maxLength: 255 })), version: Type.Optional(Type.String({ maxLength: 64 })) }, { additionalProperties: false }),
      response: { 200: Agent, 201: Agent, ...problemResponses },
    },
  }, async (request, reply) => {
    const { agent, created } = await agents.register(callerOf(request), request.body);
    return reply.status(created ? 201 : 200).send(agent);
  });

  app.get('/agents', {
    config: { permission: 'read' },
    schema: { tags: ['agents'], summary: 'Agents and what they last reported', querystring: Type.Object({ environment: Type.Optional(Name) }), response: { 200: Type.Object({ items: Type.Array(Agent) }), ...problemResponses } },
  }, async (request) => ({ items: await agents.list(request.query.environment) }));

  app.get('/agents/:id/desired', {
    config: { permission: 'agent' },
    schema: {
      tags: ['agents'], summary: 'What this agent should run (long poll with If-None-Match and waitSeconds)', params: Id,
      querystring: Type.Object({ waitSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 60 })) }),
      response: { 200: Type.Unknown(), 304: Type.Null(), ...problemResponses },
    },
  }, async (request, reply) => {
    const match = /^"(\d+)"$/.exec(String(request.headers['if-none-match'] ?? ''));
    const desired = await agents.desired(callerOf(request), request.params.id, match ? Number(match[1]) : undefined, (request.query.waitSeconds ?? 0) * 1000);
    if (!desired) return reply.status(304).send(null);
    void reply.header('etag', `"${desired.revision}"`);
    return desired;
  });

  app.post('/agents/:id/status', {
    config: { permission: 'agent' },
    schema: { tags: ['agents'], summary: 'What this agent observes: versions, instances, health, router counters', params: Id, body: Status, response: { 204: Type.Null(), ...problemResponses } },
  }, async (request, reply) => {
    await agents.report(callerOf(request), request.params.id, request.body as AgentStatusReport);
    reported(); // the controller may be waiting for exactly this report
    return reply.status(204).send(null);
  });

  app.post('/agents/:id/logs', {
    config: { permission: 'agent' },
    schema: {
      tags: ['agents'], summary: 'Process output for deployment logs', params: Id,
      body: Type.Object({
        lines: Type.Array(Type.Object({
          deploymentId: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.Null()])), service: Type.Optional(Type.String({ maxLength: 63 })),
          version: Type.Optional(Type.String({ maxLength: 128 })), instance: Type.Optional(Type.String({ maxLength: 128 })),
          stream: Type.Optional(Type.String({ maxLength: 16 })), message: Type.String({ maxLength: 4000 }), at: Type.Optional(Type.String({ maxLength: 64 })),
        }, { additionalProperties: true }), { maxItems: 1000 }),
      }, { additionalProperties: false }),
      response: { 202: Type.Null(), ...problemResponses },
    },
  }, async (request, reply) => {
    const agent = await agents.own(callerOf(request), request.params.id);
    const byDeployment = new Map<number, { level: string; message: string }[]>();
    for (const l of request.body.lines) {
      if (!l.deploymentId) continue;
      const prefix = `[${agent.name}${l.instance ? ` ${l.instance.slice(0, 8)}` : ''}${l.stream ? ` ${l.stream}` : ''}]`;
      byDeployment.set(l.deploymentId, [...(byDeployment.get(l.deploymentId) ?? []), { level: l.stream === 'stderr' ? 'warn' : 'info', message: `${prefix} ${l.message}` }]);
    }
    for (const [id, lines] of byDeployment) await appendLogs(id, lines).catch(() => {}); // a finished deployment's log is closed: drop
    return reply.status(202).send(null);
  });
};
