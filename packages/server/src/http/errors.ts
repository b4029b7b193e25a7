/**
 * Every error a client can see: a stable `code`, an HTTP status, and a sentence that says what is
 * wrong. Mapped to RFC 9457 problem+json in one place (problem.ts); documented in docs/errors.md.
 */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationError extends AppError {
  constructor(message: string, extra: Record<string, unknown> = {}) {
    super(400, 'validation_failed', message, extra);
  }
}

export class UnauthorizedError extends AppError {
  constructor(message = 'A valid bearer token is required: send "Authorization: Bearer <token>".') {
    super(401, 'unauthorized', message);
  }
}

export class ForbiddenError extends AppError {
  constructor(message: string, code = 'forbidden') {
    super(403, code, message);
  }
}

export class NotFoundError extends AppError {
  constructor(resource: string, id: string) {
    super(404, `${resource}_not_found`, `${resource.replace(/_/g, ' ')} "${id}" does not exist`, { resource, id });
  }
}

export class ConflictError extends AppError {
  constructor(code: string, message: string, extra: Record<string, unknown> = {}) {
    super(409, code, message, extra);
  }
}

export class PreconditionFailedError extends AppError {
  constructor(current: string) {
    super(412, 'precondition_failed', `the resource changed since you read it: its ETag is now ${current}; read it again and retry`, { etag: current });
  }
}

export class RateLimitedError extends AppError {
  constructor(limit: number, retryAfterSeconds: number) {
    super(429, 'rate_limited', `more than ${limit} requests in a second from this token and address; retry in ${retryAfterSeconds} s`, { limit, retryAfterSeconds });
  }
}

/** The registry of codes a client may see: status and how to fix each. docs/errors.md is checked against it. */
export const errorCodes: Record<string, readonly [status: number, fix: string]> = {
  validation_failed: [400, 'The request body, query or path did not match the operation\'s schema; `errors` lists each problem.'],
  invalid_json: [400, 'The body is not valid JSON. Send `Content-Type: application/json` with a well-formed body.'],
  body_too_large: [413, 'The body is over the limit (1 MiB). Send less: change entries and metadata are meant to be short.'],
  unsupported_media_type: [415, 'Send JSON with `Content-Type: application/json`.'],
  unauthorized: [401, 'Send a valid, unexpired, unrevoked token as `Authorization: Bearer <token>`.'],
  forbidden: [403, 'The token is valid but its scope does not allow this operation; use a token with the scope the message names.'],
  self_approval: [403, 'A deployment must be approved by someone other than its requester.'],
  not_found: [404, 'The route does not exist. Check the path against /api/openapi.json.'],
  service_not_found: [404, 'Create the service first: `gantry service create NAME`.'],
  environment_not_found: [404, 'Create the environment first: `gantry env create NAME`, or check `gantry env list`.'],
  artifact_not_found: [404, 'Register the artifact first: `gantry artifact register SERVICE VERSION --digest D`.'],
  build_not_found: [404, 'No artifact was registered with that build id.'],
  deployment_not_found: [404, 'Check the id with `gantry deployment list`.'],
  token_not_found: [404, 'Check the id with `gantry token list`.'],
  service_exists: [409, 'A service with that name exists already; pick another name or use it.'],
  environment_exists: [409, 'An environment with that name exists already.'],
  artifact_digest_conflict: [409, 'Artifacts are immutable: this service and version were registered with another digest. Register a new version.'],
  deployment_in_progress: [409, 'Another deployment of this service to this environment is active; wait for it (`gantry deployment show ID`), or deploy with `queue: true` to run after it.'],
  environment_frozen: [409, 'The environment is frozen; wait for the freeze to end, or override with a reason (`--override-freeze REASON`), which is audited.'],
  policy_violation: [409, 'The environment\'s promotion policy refused the deployment; the message names the rule (a required label, or a successful deployment in the previous environment).'],
  invalid_transition: [409, 'The deployment cannot move from its current state to the one asked for; see the state machine in docs/deployments.md.'],
  approval_required: [409, 'The environment is protected: the deployment must be approved (`gantry deployment approve ID`) before it runs.'],
  no_previous_version: [409, 'There is no earlier successful deployment in this environment to roll back to.'],
  feature_not_found: [404, 'Create the feature first: `gantry feature create KEY`, or check `gantry feature list`.'],
  segment_not_found: [404, 'Create the segment in that environment first (`POST /api/v1/environments/{env}/segments`); segments belong to one environment.'],
  release_not_found: [404, 'Check the id with `GET /api/v1/releases`.'],
  feature_exists: [409, 'A feature with that key exists already; keys are unique across environments.'],
  segment_exists: [409, 'A segment with that key exists already in this environment.'],
  segment_in_use: [409, 'Remove the segment from the rules of the features the message names, then delete it.'],
  prerequisite_cycle: [409, 'Features may not require each other in a circle; remove one prerequisite of the cycle the message shows.'],
  release_not_scheduled: [409, 'Only a scheduled release can be cancelled; an applied one is undone by another release.'],
  agent_not_found: [404, 'The agent id is not registered; agents register themselves with `POST /api/v1/agents`.'],
  run_spec_not_found: [404, 'Give the service a run specification first: `PUT /api/v1/services/{service}/run-spec`.'],
  run_spec_missing: [409, 'Deployments that Gantry runs (agent or script driver) need the service\'s run specification (with `scripts` for the script driver).'],
  precondition_failed: [412, 'The resource changed since you read it (If-Match did not match its ETag). Read it again and retry.'],
  rate_limited: [429, 'OFREP calls from this token and address went over the server\'s per-second limit (`--ofrep-rate-limit`); wait the `Retry-After` seconds. OpenFeature\'s OFREP providers do this by themselves.'],
  shutting_down: [503, 'The server is shutting down; reconnect (SDKs do this by themselves).'],
  internal_error: [500, 'Something failed inside Gantry; the log line with the same request id says what.'],
};
