import type { FastifyError, FastifyInstance } from 'fastify';
import { AppError } from './errors.js';

interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  instance?: string;
  [extra: string]: unknown;
}

const titles: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict',
  412: 'Precondition Failed', 413: 'Content Too Large', 415: 'Unsupported Media Type', 429: 'Too Many Requests',
  500: 'Internal Server Error', 503: 'Service Unavailable',
};

function problem(status: number, code: string, detail: string, extra: Record<string, unknown> = {}): Problem {
  return { type: `https://gantry.dev/problems/${code}`, title: titles[status] ?? 'Error', status, detail, code, ...extra };
}

/** The one place where errors become RFC 9457 responses. */
export function registerProblemHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | AppError, request, reply) => {
    let body: Problem;
    if (error instanceof AppError) {
      body = problem(error.status, error.code, error.message, error.extra);
    } else if ((error as FastifyError).validation) {
      const issues = (error as FastifyError).validation!.map((v) => ({
        location: `${(error as FastifyError).validationContext ?? 'body'}${v.instancePath || ''}`,
        message: describeIssue(v),
      }));
      body = problem(400, 'validation_failed', issues.map((i) => `${i.location}: ${i.message}`).join('; '), { errors: issues });
    } else if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      body = problem(413, 'body_too_large', 'the request body is larger than the 1 MiB limit');
    } else if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      body = problem(415, 'unsupported_media_type', `content type ${request.headers['content-type'] ?? '(none)'} is not supported: send application/json`);
    } else if (error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || (error.statusCode === 400 && error instanceof SyntaxError)) {
      body = problem(400, 'invalid_json', `the body is not valid JSON: ${error.message}`);
    } else if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      body = problem(error.statusCode, 'validation_failed', error.message);
    } else {
      request.log.error({ err: error }, 'unhandled error');
      body = problem(500, 'internal_error', `an internal error occurred (request id ${request.id})`);
    }
    body.instance = request.url;
    void reply.status(body.status).type('application/problem+json').send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).type('application/problem+json')
      .send({ ...problem(404, 'not_found', `no route ${request.method} ${request.url.split('?')[0]}`), instance: request.url });
  });
}

function describeIssue(v: { keyword: string; message?: string; params: Record<string, unknown> }): string {
  if (v.keyword === 'additionalProperties') return `unknown field "${String(v.params.additionalProperty)}"`;
  if (v.keyword === 'required') return `missing required field "${String(v.params.missingProperty)}"`;
  return v.message ?? v.keyword;
}
