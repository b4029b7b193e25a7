import { Agent } from 'node:http';
import type { Upstream } from './route-table.js';

export interface PoolOptions {
  maxSockets: number;
  maxFreeSockets: number;
  /** Socket inactivity timeout (ms); idle keep-alive sockets are closed after it too. */
  timeoutMs: number;
}

/** The keep-alive connection pool of one upstream instance and the requests using it now. */
export interface PoolEntry {
  readonly key: string;
  readonly host: string;
  readonly port: number;
  readonly agent: Agent;
  inFlight: number;
  /** No longer in the route table: destroyed once its last request finishes. */
  retired: boolean;
}

/** One keep-alive `http.Agent` per upstream, kept while routed or while requests still use it. */
export class UpstreamPool {
  private readonly entries = new Map<string, PoolEntry>();
  private routed: ReadonlySet<string> = new Set();

  constructor(private readonly options: PoolOptions) {}

  entry(upstream: Upstream): PoolEntry {
    let entry = this.entries.get(upstream.key);
    if (!entry) {
      const agent = new Agent({
        keepAlive: true,
        maxSockets: this.options.maxSockets,
        maxFreeSockets: this.options.maxFreeSockets,
        timeout: this.options.timeoutMs,
        scheduling: 'lifo',
      });
      const retired = !this.routed.has(upstream.key);
      entry = { key: upstream.key, host: upstream.host, port: upstream.port, agent, inFlight: 0, retired };
      this.entries.set(upstream.key, entry);
    }
    return entry;
  }

  /** After a route table swap: retire every upstream not in `keys`, closing the idle ones now. */
  retain(keys: ReadonlySet<string>): void {
    this.routed = keys;
    for (const entry of this.entries.values()) {
      entry.retired = !keys.has(entry.key);
      if (!entry.retired) continue;
      if (entry.inFlight === 0) this.drop(entry);
    }
  }

  acquire(entry: PoolEntry): void {
    entry.inFlight++;
  }

  release(entry: PoolEntry): void {
    entry.inFlight--;
    if (entry.retired && entry.inFlight === 0) this.drop(entry);
  }

  destroyAll(): void {
    for (const entry of this.entries.values()) entry.agent.destroy();
    this.entries.clear();
  }

  private drop(entry: PoolEntry): void {
    if (this.entries.get(entry.key) === entry) this.entries.delete(entry.key);
    entry.agent.destroy();
  }
}
