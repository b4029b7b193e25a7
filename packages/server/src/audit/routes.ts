import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ValidationError } from '../http/errors.js';
import { decodeCursor, Page, PageQuery } from '../http/pagination.js';
import { problemResponses, Timestamp } from '../http/schemas.js';
import type { AuditService } from './service.js';

const AuditEvent = Type.Object({
  id: Type.Integer(), at: Timestamp, actor: Type.String(), action: Type.String(),
  resourceType: Type.String(), resourceId: Type.String(), before: Type.Unknown(), after: Type.Unknown(),
  requestId: Type.Union([Type.String(), Type.Null()]),
});

const AuditQuery = Type.Intersect([PageQuery, Type.Object({
  resourceType: Type.Optional(Type.String({ maxLength: 64 })),
  resourceId: Type.Optional(Type.String({ maxLength: 200 })),
  actor: Type.Optional(Type.String({ maxLength: 200, description: 'As shown in events, e.g. `token:ci-main`.' })),
  action: Type.Optional(Type.String({ maxLength: 64 })),
  since: Type.Optional(Type.String({ format: 'date-time' })),
  until: Type.Optional(Type.String({ format: 'date-time' })),
})]);

export const auditRoutes = (audit: AuditService): FastifyPluginAsyncTypebox => async (app) => {
  app.get('/audit', {
    config: { permission: 'read' },
    schema: { tags: ['audit'], summary: 'List audit events, newest first', querystring: AuditQuery, response: { 200: Page(AuditEvent), ...problemResponses } },
  }, async (request) => {
    const { limit = 50, cursor, since, until, ...filter } = request.query;
    const sinceDate = since ? new Date(since) : undefined;
    const untilDate = until ? new Date(until) : undefined;
    if (sinceDate && untilDate && sinceDate >= untilDate) throw new ValidationError('since must be before until');
    return audit.list({
      ...filter, limit, ...(sinceDate ? { since: sinceDate } : {}), ...(untilDate ? { until: untilDate } : {}),
      ...(cursor !== undefined ? { cursor: decodeCursor(cursor)! } : {}),
    });
  });
};
