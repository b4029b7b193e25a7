import { compileSnapshot, type CompiledSnapshot, type EnvironmentSnapshot } from '@gantry/core';
import pg from 'pg';
import type { Database } from '../db/database.js';
import { NotFoundError } from '../http/errors.js';
import { readSnapshot } from './read-model.js';
import { snapshotChannel } from './revisions.js';

export interface PublishedSnapshot {
  environment: string;
  revision: number;
  snapshot: EnvironmentSnapshot;
  /** Serialised once, sent to every SDK as is. */
  json: string;
  etag: string;
  compiled: CompiledSnapshot;
}

/** What changed between two revisions: features and segments replaced (or null when removed). */
export interface SnapshotPatch {
  environment: string;
  revision: number;
  baseRevision: number;
  features: Record<string, unknown>;
  segments: Record<string, unknown>;
}

export interface SnapshotChange {
  current: PublishedSnapshot;
  patch: SnapshotPatch;
  /** The patch serialised once for every stream. */
  patchJson: string;
  /** Encoded once per change and written as is to every stream: fan-out to thousands of clients. */
  frames: { patch: Buffer; snapshot: Buffer; revision: Buffer; refetch: Buffer };
}

/** OFREP's event-stream message (a default `message` event): evaluations changed, fetch them again. */
export function refetchFrame(s: { revision: number; etag: string }): string {
  return `id: ${s.revision}\ndata: ${JSON.stringify({ type: 'refetchEvaluation', etag: s.etag })}\n\n`;
}

export type SnapshotListener = (change: SnapshotChange) => void;

export interface SnapshotService {
  /** The cached snapshot; `fresh` first checks the database's revision (read-your-writes). */
  get(environment: string, options?: { fresh?: boolean }): Promise<PublishedSnapshot>;
  subscribe(environment: string, listener: SnapshotListener): () => void;
  /** Listens for committed changes announced by any replica. */
  start(connectionString: string): Promise<void>;
  stop(): Promise<void>;
}

export function createSnapshotService(db: Database): SnapshotService {
  const cache = new Map<string, Promise<PublishedSnapshot>>();
  const listeners = new Map<string, Set<SnapshotListener>>();
  const refreshing = new Map<string, Promise<void>>();
  let client: pg.Client | undefined;
  let stopped = false;

  async function build(environment: string): Promise<PublishedSnapshot> {
    const snapshot = await readSnapshot(db, environment);
    if (!snapshot) throw new NotFoundError('environment', environment);
    const json = JSON.stringify(snapshot);
    return { environment, revision: snapshot.revision, snapshot, json, etag: `"${environment}-${snapshot.revision}"`, compiled: compileSnapshot(snapshot) };
  }

  function load(environment: string): Promise<PublishedSnapshot> {
    let entry = cache.get(environment);
    if (!entry) {
      entry = build(environment);
      cache.set(environment, entry);
      entry.catch(() => cache.delete(environment));
    }
    return entry;
  }

  /** Rebuilds after a notification and tells subscribers; bursts of notifications coalesce. */
  function refresh(environment: string, revision: number): Promise<void> {
    const running = refreshing.get(environment);
    if (running) return running.then(() => refresh(environment, revision));
    const work = (async () => {
      if (!cache.has(environment) && !listeners.get(environment)?.size) return;
      const previous = await cache.get(environment)?.catch(() => undefined);
      if (previous && previous.revision >= revision) return;
      const next = build(environment);
      cache.set(environment, next);
      const current = await next.catch(() => undefined);
      if (!current) { cache.delete(environment); return; }
      const subscribers = listeners.get(environment);
      if (!subscribers?.size) return;
      const patch = diff(previous, current);
      const patchJson = JSON.stringify(patch);
      const id = current.revision;
      const change: SnapshotChange = {
        current, patch, patchJson,
        frames: {
          patch: Buffer.from(`event: patch\nid: ${id}\ndata: ${patchJson}\n\n`),
          snapshot: Buffer.from(`event: snapshot\nid: ${id}\ndata: ${current.json}\n\n`),
          revision: Buffer.from(`event: revision\nid: ${id}\ndata: {"revision":${id}}\n\n`),
          refetch: Buffer.from(refetchFrame(current)),
        },
      };
      for (const listener of subscribers) listener(change);
    })().finally(() => refreshing.delete(environment));
    refreshing.set(environment, work);
    return work;
  }

  async function connect(connectionString: string): Promise<void> {
    const c = new pg.Client({ connectionString, application_name: 'gantry-listen' });
    c.on('notification', (message) => {
      if (message.channel !== snapshotChannel || !message.payload) return;
      try {
        const { environment, revision } = JSON.parse(message.payload) as { environment: string; revision: number };
        void refresh(environment, revision);
      } catch {
        // a malformed payload is not ours; ignore it
      }
    });
    c.on('error', () => { /* handled by 'end' */ });
    c.on('end', () => {
      if (stopped) return;
      // Changes may have been missed while disconnected: drop the cache and listen again.
      client = undefined;
      setTimeout(() => void reconnect(connectionString), 500).unref();
    });
    await c.connect();
    await c.query(`LISTEN ${snapshotChannel}`);
    client = c;
  }

  async function reconnect(connectionString: string): Promise<void> {
    if (stopped) return;
    try {
      await connect(connectionString);
      for (const environment of [...cache.keys()]) {
        const fresh = await readRevision(environment);
        void refresh(environment, fresh);
      }
    } catch {
      setTimeout(() => void reconnect(connectionString), 1000).unref();
    }
  }

  async function readRevision(environment: string): Promise<number> {
    const { rows } = await db.query<{ revision: number }>('SELECT revision FROM snapshot_revisions WHERE environment = $1', [environment]);
    return rows[0]?.revision ?? 0;
  }

  return {
    async get(environment, options = {}) {
      const cached = await load(environment);
      if (!options.fresh) return cached;
      const revision = await readRevision(environment);
      if (revision > cached.revision) await refresh(environment, revision);
      return load(environment);
    },
    subscribe(environment, listener) {
      let set = listeners.get(environment);
      if (!set) listeners.set(environment, (set = new Set()));
      set.add(listener);
      return () => set.delete(listener);
    },
    start: (connectionString) => connect(connectionString),
    async stop() {
      stopped = true;
      await client?.end().catch(() => {});
    },
  };
}

function diff(previous: PublishedSnapshot | undefined, current: PublishedSnapshot): SnapshotPatch {
  const patch: SnapshotPatch = { environment: current.environment, revision: current.revision, baseRevision: previous?.revision ?? 0, features: {}, segments: {} };
  const compare = (before: Record<string, unknown>, after: Record<string, unknown>, out: Record<string, unknown>) => {
    for (const [key, value] of Object.entries(after)) if (JSON.stringify(before[key]) !== JSON.stringify(value)) out[key] = value;
    for (const key of Object.keys(before)) if (!(key in after)) out[key] = null;
  };
  compare(previous?.snapshot.features ?? {}, current.snapshot.features, patch.features);
  compare(previous?.snapshot.segments ?? {}, current.snapshot.segments, patch.segments);
  return patch;
}
