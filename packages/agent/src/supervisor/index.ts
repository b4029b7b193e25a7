export { createSupervisor, type Supervisor, type SupervisorOptions } from './supervisor.js';
export type { VersionSpec, InstanceInfo, InstanceState, ExitInfo, StateChangeEvent, HealthChangeEvent, LogLine, WaitHealthyResult } from './types.js';
export type { RestartPolicy } from './backoff.js';
export type { RestoreReport, KilledProcess } from './restore.js';
export type { SupervisorState, PersistedVersion, PersistedInstance, PersistedProcess } from './state-file.js';
export { isProcessAlive, groupMembers } from './process.js';
