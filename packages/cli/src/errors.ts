/** Exit codes, as DESIGN.md states them for every verb. */
export const exitCodes = { ok: 0, failure: 1, usage: 2 } as const;

/** Bad input on the command line: exit 2, nothing was sent to the server. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** The command ran but did not succeed (a deployment failed, a wait timed out): exit 1. */
export class Failure extends Error {
  override name = 'Failure';
}

/** An RFC 9457 problem the API answered with: exit 1, `detail (code)` on stderr. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly problem: Record<string, unknown>,
  ) {
    super(`${detail} (${code})`);
  }
}

/** The server could not be reached at all: exit 1. */
export class NetworkError extends Error {
  override name = 'NetworkError';
}
