import type { AgentError } from '../errors.js';
import type { Registration } from './client.js';
import type { ServiceReport, StatusReport } from './types.js';

export interface AgentLogEntry {
  level: 'info' | 'warn' | 'error';
  message: string;
}

export interface AgentOptions {
  /** The Gantry server, e.g. `https://gantry.example.com`. */
  server: string;
  /** A token of scope `agent:<environment>`; sent to the server only, never to artifact URLs or processes. */
  token: string;
  /** This host's name, unique in its environment; registering again with it gets the same id back. */
  name: string;
  /** When given, the token's environment must be this one (otherwise the agent stops with `environment_mismatch`). */
  environment?: string;
  /** Where the agent keeps its id, the last desired state, artifacts, and its supervisor's state and logs. */
  stateDir: string;
  /** Address the routers listen on (default `127.0.0.1`; `0.0.0.0` to serve other hosts). */
  host?: string;
  /** Used for the API and for `http(s)://` artifacts (default: the global `fetch`). */
  fetch?: typeof fetch;
  /** Status report interval (default 2 000 ms); a report is also sent at once after converging. */
  reportIntervalMs?: number;
  /** Long-poll wait for desired state (default 25 s). */
  pollWaitSeconds?: number;
  /** The agent's own diagnostics (default: none). */
  log?: (entry: AgentLogEntry) => void;
  /** How long a new version may take to become healthy before it is `failed` (default 60 000 ms). */
  healthTimeoutMs?: number;
  /** Limit for fetching one artifact (default 600 000 ms). */
  artifactTimeoutMs?: number;
  /** Upper bound of the retry backoff while the server is away (default 10 000 ms). */
  maxBackoffMs?: number;
  /** Retry interval after the server refused the token (401/403) once the agent had registered (default 60 000 ms). */
  refusedRetryMs?: number;
  /** Log lines kept while the server is away (default 10 000; older ones are dropped and counted). */
  maxBufferedLogLines?: number;
  /** How often process output is shipped (default 1 000 ms). */
  logFlushMs?: number;
  /** Reported hostname (default: the machine's). */
  hostname?: string;
}

/** What `status()` shows: the connection, the revisions, and what runs. */
export interface AgentStatus {
  id: string | undefined;
  name: string;
  environment: string | undefined;
  /** Registered in this run (the server knows this agent). */
  registered: boolean;
  /** The last call to the server got an answer. */
  connected: boolean;
  /** Revision of the desired state the agent holds (from the server or the state dir). */
  desiredRevision: number | null;
  /** Revision the last completed converge applied. */
  appliedRevision: number | null;
  lastError: string | null;
  /** Set when the agent gave up talking to the server (token refused at registration, wrong environment). */
  fatal: string | null;
  logs: { buffered: number; shipped: number; dropped: number };
  services: ServiceReport[];
}

export interface AgentEvents {
  /** The server accepted the registration (at start, and again after the server forgot the agent). */
  registered: (registration: Registration) => void;
  /** A new desired state arrived. */
  desired: (revision: number) => void;
  /** A converge of a new desired revision completed. */
  converged: (info: { revision: number }) => void;
  /** A status report was accepted by the server. */
  report: (report: StatusReport) => void;
  /** Something went wrong that the agent retries (server away, invalid desired state, a failed report). */
  error: (error: AgentError) => void;
  /** The agent stopped talking to the server for good: the token was refused, or belongs to another environment. Processes and routers keep running. */
  fatal: (error: AgentError) => void;
}

/**
 * The host agent: registers, long-polls its desired state, converges routers and processes to it,
 * reports status and router counters, ships process output, and keeps serving while the server is away.
 *
 * @example
 * const agent = createAgent({ server: 'https://gantry.example.com', token, name: 'host-1', stateDir: '/var/lib/gantry-agent' });
 * agent.on('fatal', (error) => { console.error(error.message); void agent.stop({ keepProcesses: true }); });
 * await agent.start(); // routes of the persisted desired state serve before the server answers
 * process.on('SIGTERM', () => void agent.stop());
 */
export interface Agent {
  /** Restore (adopt running processes, re-apply the persisted desired state), then talk to the server in the background. */
  start(): Promise<void>;
  /** Close the routers and stop every process; `keepProcesses` lets them run (as a crash would) for the next agent run to adopt. */
  stop(options?: { keepProcesses?: boolean }): Promise<void>;
  status(): AgentStatus;
  on<E extends keyof AgentEvents>(event: E, listener: AgentEvents[E]): () => void;
}
