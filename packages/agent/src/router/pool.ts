import { connect, type Socket } from 'node:net';
import type { Upstream } from './route-table.js';

export interface PoolOptions {
  /** Connections in use per upstream; further requests wait for one (default 256). */
  maxSockets: number;
  /** Idle keep-alive connections kept per upstream. */
  maxIdleSockets: number;
  /** Inactivity limit while a request is under way (ms). */
  timeoutMs: number;
  /** How long an idle connection is kept, unless the upstream's Keep-Alive hint is shorter (ms). */
  idleTimeoutMs: number;
}

/** What a connection reports to the exchange (one request/response) that uses it. */
export interface ConnectionUser {
  onData(chunk: Buffer): void;
  onEnd(): void;
  onError(err: NodeJS.ErrnoException): void;
  onClose(): void;
  onTimeout(): void;
  onDrain(): void;
}

/** One kept-alive TCP connection to an upstream; its socket listeners are set once and dispatch to the current user. */
export class Connection {
  user: ConnectionUser | undefined;
  /** Whether it carried a request before (a failure on it may be a stale keep-alive race). */
  reused = false;
  /** Handed out to an exchange (counted in the entry's `busy`), as opposed to idle. */
  busy = false;
  idleTimeoutMs: number;

  constructor(
    readonly entry: PoolEntry,
    readonly socket: Socket,
  ) {
    this.idleTimeoutMs = entry.options.idleTimeoutMs;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => (this.user ? this.user.onData(chunk) : socket.destroy()));
    socket.on('end', () => (this.user ? this.user.onEnd() : socket.destroy()));
    socket.on('error', (err: NodeJS.ErrnoException) => this.user?.onError(err));
    socket.on('timeout', () => (this.user ? this.user.onTimeout() : socket.destroy()));
    socket.on('drain', () => this.user?.onDrain());
    socket.on('close', () => {
      const user = this.user;
      this.user = undefined;
      entry.forget(this);
      user?.onClose();
    });
  }
}

type Waiter = (connection: Connection) => void;

/** The connections of one upstream instance: idle ones (last in, first out), a limit, and a queue. */
export class PoolEntry {
  readonly idle: Connection[] = [];
  /** Connections handed out (in use), at most `maxSockets`. */
  busy = 0;
  /** Requests being proxied to this upstream (including ones waiting for a connection). */
  inFlight = 0;
  /** No longer in the route table: closed once its last request finishes. */
  retired = false;
  private readonly waiting: Waiter[] = [];

  constructor(
    readonly key: string,
    readonly host: string,
    readonly port: number,
    readonly options: PoolOptions,
  ) {}

  /** Hand a connection to `use` now or when one frees up; returns a function that cancels the wait. */
  acquire(use: Waiter): () => void {
    while (this.idle.length > 0) {
      const connection = this.idle.pop() as Connection;
      if (connection.socket.destroyed) continue;
      this.handOut(connection, use);
      return noop;
    }
    if (this.busy < this.options.maxSockets) {
      this.handOut(this.open(), use);
      return noop;
    }
    this.waiting.push(use);
    return () => {
      const i = this.waiting.indexOf(use);
      if (i !== -1) this.waiting.splice(i, 1);
    };
  }

  /** Give a connection back after its exchange; it is destroyed when it cannot carry another. */
  release(connection: Connection, reusable: boolean): void {
    connection.user = undefined;
    if (!reusable || this.retired || connection.socket.destroyed) {
      connection.socket.destroy(); // its 'close' frees the slot
      return;
    }
    connection.reused = true;
    const next = this.waiting.shift();
    if (next) {
      connection.socket.setTimeout(this.options.timeoutMs);
      next(connection);
      return;
    }
    connection.busy = false;
    this.busy--;
    if (this.idle.length >= this.options.maxIdleSockets) {
      connection.socket.destroy();
      return;
    }
    connection.socket.setTimeout(connection.idleTimeoutMs);
    this.idle.push(connection);
  }

  /** A connection closed: drop it from the idle list or free its slot, maybe for a waiting request. */
  forget(connection: Connection): void {
    if (connection.busy) {
      connection.busy = false;
      this.busy--;
    } else {
      const i = this.idle.indexOf(connection);
      if (i !== -1) this.idle.splice(i, 1);
    }
    const next = this.waiting.shift();
    if (next) this.handOut(this.open(), next);
  }

  closeIdle(): void {
    for (const connection of this.idle.splice(0)) connection.socket.destroy();
  }

  private handOut(connection: Connection, use: Waiter): void {
    connection.busy = true;
    this.busy++;
    connection.socket.setTimeout(this.options.timeoutMs);
    use(connection);
  }

  private open(): Connection {
    return new Connection(this, connect({ host: this.host, port: this.port }));
  }
}

const noop = () => {};

/** The pools of all upstreams, kept while routed or while requests still use them. */
export class UpstreamPool {
  private readonly entries = new Map<string, PoolEntry>();
  private routed: ReadonlySet<string> = new Set();

  constructor(private readonly options: PoolOptions) {}

  entry(upstream: Upstream): PoolEntry {
    let entry = this.entries.get(upstream.key);
    if (!entry) {
      entry = new PoolEntry(upstream.key, upstream.host, upstream.port, this.options);
      entry.retired = !this.routed.has(upstream.key);
      this.entries.set(upstream.key, entry);
    }
    return entry;
  }

  /** After a route table swap: retire every upstream not in `keys`, closing its idle connections now. */
  retain(keys: ReadonlySet<string>): void {
    this.routed = keys;
    for (const entry of this.entries.values()) {
      entry.retired = !keys.has(entry.key);
      if (!entry.retired) continue;
      entry.closeIdle();
      if (entry.inFlight === 0) this.entries.delete(entry.key);
    }
  }

  acquire(entry: PoolEntry): void {
    entry.inFlight++;
  }

  release(entry: PoolEntry): void {
    entry.inFlight--;
    if (entry.retired && entry.inFlight === 0 && this.entries.get(entry.key) === entry) {
      entry.closeIdle();
      this.entries.delete(entry.key);
    }
  }

  destroyAll(): void {
    for (const entry of this.entries.values()) entry.closeIdle();
    this.entries.clear();
  }
}
