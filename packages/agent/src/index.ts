export * from './router/index.js';
export * from './supervisor/index.js';
export * from './health/index.js';
export * from './agent/index.js';
export { AgentError, RouteTableError, SupervisorError, type SupervisorErrorCode } from './errors.js';
export { defaultChildEnvironment, hostSecret, INHERITED_VARIABLES } from './config/env.js';
