/**
 * Why something went wrong, as a stable string you can switch on:
 *
 * | code | meaning | what to do |
 * | --- | --- | --- |
 * | `unauthorized` | the server answered 401 or 403: the token is unknown, revoked, or not an `sdk-server:<environment>` token. Permanent: the client stops contacting the server | create a token with `gantry token create --scope sdk-server:<env>` and start a new client |
 * | `timeout` | `ready()` had no snapshot within `timeoutMs` | check `url` and that the server is up; the client keeps trying in the background |
 * | `network` | the server could not be reached, or the connection broke | nothing: the client retries with backoff and keeps serving the last known snapshot |
 * | `http` | the server answered with an unexpected status | see the message; retried with backoff |
 * | `snapshot` | a snapshot or patch was malformed: rejected (the previous one is kept) or, for problems inside single features, used with those features answering `PARSE_ERROR` | fix what the message names; the server validates on write, so this points at a proxy or a newer server |
 * | `bootstrap` | the bootstrap file could not be read, parsed or written | check the path and its permissions |
 * | `events` | a batch of evaluation counts or events was refused or could not be sent | refused batches are dropped; failed ones are retried at the next flush |
 * | `closed` | the client was closed before it became ready | — |
 *
 * @example
 * const code: GantryErrorCode = error.code;
 * if (code === 'unauthorized') process.exitCode = 1;
 */
export type GantryErrorCode = 'unauthorized' | 'timeout' | 'network' | 'http' | 'snapshot' | 'bootstrap' | 'events' | 'closed';

/**
 * The one error type of the SDK. It is handed to `error` listeners and to `ready()` rejections;
 * evaluations never throw it.
 *
 * @example
 * client.on('error', (error) => {
 *   if (error.code === 'unauthorized') alert('Gantry token refused');
 * });
 * try { await client.ready(); } catch (error) { if (error instanceof GantryError) console.warn(error.code); }
 */
export class GantryError extends Error {
  override readonly name = 'GantryError';

  constructor(
    readonly code: GantryErrorCode,
    message: string,
    /** The HTTP status that caused it, if any. */
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A short description of a thrown value, for messages. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: unknown }).cause;
  if (cause instanceof Error && cause.message && cause.message !== error.message) return `${error.message}: ${cause.message}`;
  return error.message;
}
