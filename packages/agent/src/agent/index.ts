export { createAgent, type Agent, type AgentOptions, type AgentStatus, type AgentEvents, type AgentLogEntry } from './agent.js';
export { AgentApiError, type Registration } from './client.js';
export { ArtifactError, type ArtifactErrorCode } from './artifacts.js';
export { InvalidDesiredStateError, parseDesiredState } from './desired.js';
export type {
  DesiredState,
  DesiredService,
  DesiredVersion,
  DesiredArtifact,
  DesiredRun,
  DesiredHealth,
  DesiredRoutes,
  StatusReport,
  ServiceReport,
  VersionReport,
  VersionState,
  InstanceReport,
  RouterCounters,
  ShippedLogLine,
} from './types.js';
