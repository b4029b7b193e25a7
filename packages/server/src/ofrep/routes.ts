import { murmur3, type EvaluationContext, type EvaluationResult } from '@gantry/core';
import rateLimit from '@fastify/rate-limit';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { environmentOf } from '../sdk/routes.js';
import type { AuthService } from '../auth/service.js';
import { RateLimitedError, UnauthorizedError } from '../http/errors.js';
import type { StreamHub } from '../sdk/stream.js';
import { Problem } from '../http/schemas.js';
import type { PublishedSnapshot, SnapshotService } from '../snapshots/service.js';

/**
 * The OpenFeature Remote Evaluation Protocol: any OFREP provider can evaluate Gantry's flags.
 * Bodies follow the protocol, not our problem format, so OpenFeature clients understand them.
 */
const Request = Type.Object({ context: Type.Optional(Type.Record(Type.String(), Type.Unknown())) });
const Failure = Type.Object({ key: Type.Optional(Type.String()), errorCode: Type.String(), errorDetails: Type.Optional(Type.String()) });
const Success = Type.Object({ key: Type.String(), value: Type.Unknown(), reason: Type.String(), variant: Type.Optional(Type.String()), metadata: Type.Optional(Type.Record(Type.String(), Type.Unknown())) });
const authResponses = { 401: Problem, 403: Problem, 429: Problem };

type Outcome = { status: number; body: Record<string, unknown> };

function outcome(key: string, r: EvaluationResult): Outcome {
  if (r.errorCode === 'FLAG_NOT_FOUND') return { status: 404, body: { key, errorCode: r.errorCode, errorDetails: r.errorMessage ?? `flag ${key} not found` } };
  if (r.errorCode) return { status: 400, body: { key, errorCode: r.errorCode, errorDetails: r.errorMessage ?? r.errorCode } };
  const body: Record<string, unknown> = { key, value: r.value, reason: r.reason, variant: r.variant };
  if (r.metadata) body.metadata = r.metadata;
  return { status: 200, body };
}

/**
 * Successful results are built once per snapshot by the engine and shared, so their JSON can be
 * cached per result object: a bulk answer is then mostly a join of ready strings.
 */
const fragments = new WeakMap<EvaluationResult, { json: string; hash: number }>();

/**
 * The bulk answer and an ETag of its content: the same flags give the same ETag across snapshot
 * revisions, so a release that does not change what this context sees still costs only a 304.
 * Each fragment's hash is computed once; the ETag combines them in order.
 */
/** The `eventStreams` entry for a ticket: a path from the OFREP origin, or a full URL under the configured public URL. */
function eventStreamsJson(ticket: string, publicUrl: string | undefined): string {
  const path = `/ofrep/v1/events?ticket=${ticket}`;
  return publicUrl === undefined
    ? `[{"type":"sse","endpoint":{"requestUri":"${path}"}}]`
    : `[{"type":"sse","url":${JSON.stringify(publicUrl + path)}}]`;
}

function bulkAnswer(published: PublishedSnapshot, context: EvaluationContext, ticket: string | undefined, publicUrl: string | undefined): { json: string; etag: string } {
  const keys = published.compiled.orderedKeys;
  const results = published.compiled.evaluateAllOrdered(context);
  const parts: string[] = new Array(keys.length);
  let a = 0x811c9dc5;
  let b = keys.length;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const result = results[i]!;
    let fragment = fragments.get(result);
    if (fragment === undefined) {
      const json = JSON.stringify(outcome(key, result).body);
      fragment = { json, hash: murmur3(json) };
      if (!result.errorCode) fragments.set(result, fragment);
    }
    parts[i] = fragment.json;
    a = Math.imul(a ^ fragment.hash, 0x01000193) >>> 0;
    b = (Math.imul(b, 31) + fragment.hash) >>> 0;
  }
  if (ticket === undefined) return { json: `{"flags":[${parts.join(',')}]}`, etag: `"${a.toString(36)}${b.toString(36)}"` };
  // The stream's address changes once an hour (its ticket's expiry): a client must not keep an old one behind a 304.
  const streams = eventStreamsJson(ticket, publicUrl);
  const t = murmur3(ticket);
  a = Math.imul(a ^ t, 0x01000193) >>> 0;
  b = (Math.imul(b, 31) + t) >>> 0;
  return { json: `{"flags":[${parts.join(',')}],"eventStreams":${streams}}`, etag: `"${a.toString(36)}${b.toString(36)}"` };
}

function invalidContext(details: string): Outcome['body'] {
  return { errorCode: 'INVALID_CONTEXT', errorDetails: details };
}

export interface OfrepOptions {
  /** Requests per second per SDK token and client address; 0: no limit. */
  rateLimit: number;
  /** Where clients reach the server, if a proxy adds a path prefix (config `publicUrl`). */
  publicUrl?: string | undefined;
}

export const ofrepRoutes = (snapshots: SnapshotService, hub: StreamHub, auth: AuthService, options: OfrepOptions): FastifyPluginAsyncTypebox => async (app) => {
  if (options.rateLimit > 0) {
    // After authentication (preHandler), so the key is the caller's token with its address: one
    // browser app's client token is shared by all its users, who must not throttle each other.
    await app.register(rateLimit, {
      hook: 'preHandler',
      max: options.rateLimit,
      timeWindow: 1000,
      // The event stream is opened with a ticket, before any actor is known.
      keyGenerator: (request) => `${request.actor?.tokenId ?? 'ticket'}|${request.ip}`,
      errorResponseBuilder: (_request, context) => new RateLimitedError(context.max, Math.max(1, Math.ceil(context.ttl / 1000))),
    });
  }
  app.post('/evaluate/flags/:key', {
    config: { permission: 'sdk-client' },
    attachValidation: true,
    schema: {
      tags: ['ofrep'], summary: 'OFREP: evaluate one flag for a context', params: Type.Object({ key: Type.String({ maxLength: 256 }) }), body: Request,
      response: { 200: Success, 400: Failure, 404: Failure, ...authResponses },
    },
  }, async (request, reply) => {
    const { key } = request.params;
    if (request.validationError) return reply.status(400).send({ key, ...invalidContext(request.validationError.message) } as never);
    const published = await snapshots.get(environmentOf(request));
    const result = published.compiled.evaluate(key, (request.body?.context ?? {}) as EvaluationContext);
    const { status, body } = outcome(key, result);
    return reply.status(status).send(body as never);
  });

  app.post('/evaluate/flags', {
    config: { permission: 'sdk-client' },
    attachValidation: true,
    schema: {
      tags: ['ofrep'], summary: 'OFREP: evaluate every flag for a context (ETag / 304 when nothing changed)', body: Request,
      response: {
        200: Type.Object({
          flags: Type.Array(Type.Union([Success, Failure])),
          eventStreams: Type.Optional(Type.Array(Type.Object({ type: Type.Literal('sse'), url: Type.Optional(Type.String()), endpoint: Type.Optional(Type.Object({ requestUri: Type.String() })) }))),
        }),
        304: Type.Null(), 400: Failure, ...authResponses,
      },
    },
  }, async (request, reply) => {
    if (request.validationError) return reply.status(400).send(invalidContext(request.validationError.message) as never);
    const published = await snapshots.get(environmentOf(request));
    const { json, etag } = bulkAnswer(published, (request.body?.context ?? {}) as EvaluationContext, auth.streamTicket(request.actor), options.publicUrl);
    void reply.header('etag', etag);
    if (request.headers['if-none-match'] === etag) return reply.status(304).send(null);
    return reply.type('application/json').send(json as never);
  });

  // OFREP event streams (the protocol's ADR 0008): browsers' EventSource sends no Authorization
  // header, so the bulk answer hands out this URL with a signed ticket for the caller's token.
  app.get('/events', {
    config: { permission: 'public' },
    schema: {
      tags: ['ofrep'], summary: 'OFREP event stream: a `refetchEvaluation` message on connect and on every change; opened with the ticket a bulk evaluation answer gives',
      querystring: Type.Object({ ticket: Type.Optional(Type.String({ maxLength: 200 })) }),
      response: { 401: Problem, 429: Problem },
    },
  }, async (request, reply) => {
    const actor = request.query.ticket ? await auth.resolveTicket(request.query.ticket) : undefined;
    if (!actor?.environment) throw new UnauthorizedError('the stream ticket is missing, invalid or expired, or its token was revoked; evaluate the flags again (POST /ofrep/v1/evaluate/flags) for a new one');
    return hub.serve(request, reply, actor.environment, 'ofrep');
  });

  app.get('/configuration', {
    config: { permission: 'sdk-client' },
    schema: { tags: ['ofrep'], summary: 'OFREP: what this server supports', response: { 200: Type.Unknown(), ...authResponses } },
  }, async () => ({
    name: 'gantry',
    capabilities: {
      cacheInvalidation: { polling: { enabled: true, minPollingIntervalMs: 1000 } },
      flagEvaluation: { supportedTypes: ['boolean', 'string', 'int', 'float', 'object'] },
    },
  }));
};
