export * from './router/index.js';
export { AgentError, RouteTableError, SupervisorError } from './errors.js';
