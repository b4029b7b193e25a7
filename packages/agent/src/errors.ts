/**
 * The one error base class of the agent package: a stable `code` that callers and logs can rely on,
 * and the HTTP `status` it maps to when it crosses an API boundary.
 */
export class AgentError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 500,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** A route table given to `Router.setRoutes` is invalid; the previous table stays in force. */
export class RouteTableError extends AgentError {
  constructor(message: string) {
    super('invalid_route_table', message, 400);
  }
}

/** A supervisor operation cannot be done in the current state (e.g. starting a version twice). */
export class SupervisorError extends AgentError {
  constructor(code: SupervisorErrorCode, message: string) {
    super(code, message, code === 'invalid_spec' ? 400 : code === 'invalid_state' ? 500 : 409);
  }
}

export type SupervisorErrorCode = 'version_running' | 'version_unknown' | 'instance_unknown' | 'invalid_spec' | 'invalid_state' | 'detached' | 'restore_after_start';
