import { readFileSync } from 'node:fs';
import { SupervisorError } from '../errors.js';
import { writeJsonAtomic } from '../persist.js';
import type { VersionSpec } from './types.js';

/** An instance the agent wants running: its id and the port the router knows it by. */
export interface PersistedInstance {
  id: string;
  port: number;
}

/** A version the agent wants running, with what it takes to start it again. */
export interface PersistedVersion {
  spec: VersionSpec;
  instances: PersistedInstance[];
}

/** A process group this agent started and has not yet seen gone (the leader's pid is the group id). */
export interface PersistedProcess {
  instanceId: string;
  service: string;
  version: string;
  pid: number;
  /** From `/proc/<pid>/stat`, so a reused pid is not mistaken for ours; null off Linux. */
  startTime: string | null;
  port: number;
  command: string | string[];
  startedAt: string;
}

/** The supervisor's state file: what should run, and every process group it started. */
export interface SupervisorState {
  format: 1;
  versions: PersistedVersion[];
  processes: PersistedProcess[];
}

export const emptyState = (): SupervisorState => ({ format: 1, versions: [], processes: [] });

/** Read the state file; a missing file is an empty state, an unreadable one an error (never silently forgotten). */
export function readState(path: string): SupervisorState {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return emptyState();
    throw err;
  }
  let state: SupervisorState;
  try {
    state = JSON.parse(text) as SupervisorState;
  } catch {
    throw new SupervisorError('invalid_state', `state file ${path} is not JSON`);
  }
  if (state?.format !== 1 || !Array.isArray(state.versions) || !Array.isArray(state.processes)) {
    throw new SupervisorError('invalid_state', `state file ${path} has an unknown format`);
  }
  return state;
}

/** Write the state file atomically (temporary file, flushed, renamed). Mode 0600: it holds env vars. */
export function writeState(path: string, state: SupervisorState): void {
  writeJsonAtomic(path, state, 0o600);
}
