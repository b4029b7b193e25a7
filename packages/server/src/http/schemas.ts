import { Type } from 'typebox';

/** Names of services and environments: DNS-label-like, so they are safe in URLs, logs and shells. */
export const Name = Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,62}$', description: 'Lower-case letters, digits and dashes; at most 63 characters.' });

export const Problem = Type.Object({
  type: Type.String(),
  title: Type.String(),
  status: Type.Integer(),
  detail: Type.String(),
  code: Type.String(),
  instance: Type.Optional(Type.String()),
}, { additionalProperties: true, description: 'RFC 9457 problem details' });

export const Timestamp = Type.String({ format: 'date-time' });
export const NullableTimestamp = Type.Union([Timestamp, Type.Null()]);
export const NullableString = Type.Union([Type.String(), Type.Null()]);

/** The problem responses every authenticated route can give, for the OpenAPI document. */
export const problemResponses = {
  400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem, 412: Problem, 413: Problem, 415: Problem, 500: Problem,
};

/** A string enum whose static type is the union of its values. */
export function literals<const T extends string>(values: readonly T[]) {
  return Type.Unsafe<T>(Type.Enum(values as T[]));
}
