import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { callerOf } from '../http/auth.js';
import { decodeCursor, encodeCursor, Page } from '../http/pagination.js';
import { Name, NullableString, problemResponses, Timestamp } from '../http/schemas.js';
import { notesToMarkdown, type ArtifactsService } from './service.js';
import { versionPattern } from './versions.js';

const Version = Type.String({ pattern: versionPattern, description: 'semver, date stamp, commit hash or counter' });
const LabelName = Type.String({ pattern: '^[a-z0-9][a-z0-9._-]{0,62}$', description: '`candidate`, `stable`, or your own' });
const Url = Type.String({ format: 'uri', maxLength: 2000 });

export const ArtifactSchema = Type.Object({
  id: Type.String(), service: Type.String(), version: Type.String(), digest: Type.String(),
  provenance: Type.Object({ repository: NullableString, commit: NullableString, buildId: NullableString, buildUrl: NullableString }),
  changes: Type.Array(Type.String()), metadata: Type.Record(Type.String(), Type.Unknown()),
  labels: Type.Array(Type.Object({ label: Type.String(), at: Timestamp, by: Type.String() })),
  createdAt: Timestamp, createdBy: Type.String(),
});

const Register = Type.Object({
  version: Version,
  digest: Type.String({ pattern: '^(sha256|sha384|sha512):[a-f0-9]{64,128}$', description: 'algorithm:hex, e.g. sha256:…' }),
  repository: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })),
  commit: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9._/-]{1,128}$' })),
  buildId: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$' })),
  buildUrl: Type.Optional(Url),
  changes: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 1000 }), { maxItems: 500 })),
  metadata: Type.Optional(Type.Record(Type.String({ maxLength: 100 }), Type.Unknown(), { maxProperties: 100 })),
}, { additionalProperties: false });

const ServiceParams = Type.Object({ service: Name });
const ArtifactParams = Type.Object({ service: Name, version: Version });

export const artifactsRoutes = (artifacts: ArtifactsService): FastifyPluginAsyncTypebox => async (app) => {
  app.post('/services/:service/artifacts', {
    config: { permission: 'deploy' },
    schema: {
      tags: ['artifacts'], summary: 'Register an artifact (idempotent for the same digest; 409 for another)', params: ServiceParams, body: Register,
      response: { 200: ArtifactSchema, 201: ArtifactSchema, ...problemResponses },
    },
  }, async (request, reply) => {
    const { artifact, created } = await artifacts.register(callerOf(request), request.params.service, request.body);
    return reply.status(created ? 201 : 200).send(artifact);
  });

  app.get('/services/:service/artifacts', {
    config: { permission: 'read' },
    schema: {
      tags: ['artifacts'], summary: 'List a service\'s artifacts, newest version first', params: ServiceParams,
      querystring: Type.Object({
        label: Type.Optional(LabelName),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
        cursor: Type.Optional(Type.String({ maxLength: 200 })),
      }),
      response: { 200: Page(ArtifactSchema), ...problemResponses },
    },
  }, async (request) => {
    const { label, limit = 50, cursor } = request.query;
    const all = (await artifacts.list(request.params.service, label ? { label } : {})).reverse();
    const offset = decodeCursor(cursor) ?? 0;
    const items = all.slice(offset, offset + limit);
    return { items, nextCursor: offset + limit < all.length ? encodeCursor(offset + limit) : null };
  });

  app.get('/services/:service/artifacts/:version', {
    config: { permission: 'read' },
    schema: { tags: ['artifacts'], summary: 'Show an artifact', params: ArtifactParams, response: { 200: ArtifactSchema, ...problemResponses } },
  }, async (request) => artifacts.get(request.params.service, request.params.version));

  app.put('/services/:service/artifacts/:version/labels/:label', {
    config: { permission: 'deploy' },
    schema: {
      tags: ['artifacts'], summary: 'Label an artifact (idempotent)', params: Type.Object({ service: Name, version: Version, label: LabelName }),
      response: { 200: ArtifactSchema, ...problemResponses },
    },
  }, async (request) => artifacts.label(callerOf(request), request.params.service, request.params.version, request.params.label));

  app.delete('/services/:service/artifacts/:version/labels/:label', {
    config: { permission: 'deploy' },
    schema: {
      tags: ['artifacts'], summary: 'Remove a label', params: Type.Object({ service: Name, version: Version, label: LabelName }),
      response: { 200: ArtifactSchema, ...problemResponses },
    },
  }, async (request) => artifacts.unlabel(callerOf(request), request.params.service, request.params.version, request.params.label));

  app.get('/builds/:id', {
    config: { permission: 'read' },
    schema: {
      tags: ['artifacts'], summary: 'The artifacts one CI run produced', params: Type.Object({ id: Type.String({ maxLength: 128 }) }),
      response: { 200: Type.Object({ id: Type.String(), url: NullableString, createdAt: Timestamp, artifacts: Type.Array(ArtifactSchema) }), ...problemResponses },
    },
  }, async (request) => artifacts.build(request.params.id));

  app.get('/services/:service/notes', {
    config: { permission: 'read' },
    schema: {
      tags: ['artifacts'], summary: 'Release notes: the change entries between two versions (from exclusive, to inclusive)', params: ServiceParams,
      querystring: Type.Object({ from: Type.Optional(Version), to: Type.Optional(Version), format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('markdown')])) }),
      response: {
        200: Type.Object({
          service: Type.String(), from: NullableString, to: Type.String(), markdown: Type.String(),
          versions: Type.Array(Type.Object({ version: Type.String(), createdAt: Timestamp, commit: NullableString, changes: Type.Array(Type.String()) })),
        }),
        ...problemResponses,
      },
    },
  }, async (request, reply) => {
    const { from, to, format } = request.query;
    const notes = await artifacts.notes(request.params.service, { ...(from ? { from } : {}), ...(to ? { to } : {}) });
    const markdown = notesToMarkdown(notes);
    if (format === 'markdown') return reply.type('text/markdown; charset=utf-8').serializer((text) => String(text)).send(markdown as never);
    return { ...notes, markdown };
  });
};
