import type { FastifyReply, FastifyRequest } from 'fastify';
import { ValidationError } from './errors.js';

export function etagOf(revision: number): string {
  return `"${revision}"`;
}

/** The revision the client last saw (from If-Match), or undefined when it sent none. */
export function expectedRevision(request: FastifyRequest): number | undefined {
  const header = request.headers['if-match'];
  if (header === undefined || header === '*') return undefined;
  const match = /^(?:W\/)?"(\d{1,9})"$/.exec(String(header).trim());
  if (!match) throw new ValidationError(`If-Match must be an ETag this server sent, like "3"; got ${String(header)}`);
  return Number(match[1]);
}

export function sendWithEtag<T extends { revision: number }>(reply: FastifyReply, entity: T): T {
  void reply.header('etag', etagOf(entity.revision));
  return entity;
}
