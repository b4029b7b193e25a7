import { randomUUID } from 'node:crypto';
import type { AuditService } from '../audit/service.js';
import type { Database, Queryable } from '../db/database.js';
import type { Caller } from '../http/auth.js';
import { ConflictError, NotFoundError, ValidationError } from '../http/errors.js';
import type { ServicesService } from '../services/service.js';
import { artifactStore, type ArtifactRow } from './store.js';
import { sortByVersion } from './versions.js';

export interface Artifact {
  id: string;
  service: string;
  version: string;
  digest: string;
  provenance: { repository: string | null; commit: string | null; buildId: string | null; buildUrl: string | null };
  changes: string[];
  metadata: Record<string, unknown>;
  labels: { label: string; at: string; by: string }[];
  createdAt: string;
  createdBy: string;
}

export interface RegisterArtifact {
  version: string;
  digest: string;
  repository?: string;
  commit?: string;
  buildId?: string;
  buildUrl?: string;
  changes?: string[];
  metadata?: Record<string, unknown>;
}

export interface ReleaseNotes {
  service: string;
  from: string | null;
  to: string;
  versions: { version: string; createdAt: string; commit: string | null; changes: string[] }[];
}

export interface ArtifactsService {
  /** Idempotent for the same digest; `created` says whether this call registered it. */
  register(caller: Caller, service: string, input: RegisterArtifact): Promise<{ artifact: Artifact; created: boolean }>;
  get(service: string, version: string): Promise<Artifact>;
  require(q: Queryable, service: string, version: string): Promise<Artifact>;
  byId(q: Queryable, id: string): Promise<Artifact | undefined>;
  /** Oldest first, in version order. */
  list(service: string, filter?: { label?: string }): Promise<Artifact[]>;
  label(caller: Caller, service: string, version: string, label: string): Promise<Artifact>;
  unlabel(caller: Caller, service: string, version: string, label: string): Promise<Artifact>;
  build(id: string): Promise<{ id: string; url: string | null; createdAt: string; artifacts: Artifact[] }>;
  notes(service: string, range: { from?: string; to?: string }): Promise<ReleaseNotes>;
}

export function createArtifactsService(db: Database, audit: AuditService, services: ServicesService): ArtifactsService {
  const require = async (q: Queryable, service: string, version: string) => {
    const row = await artifactStore.get(q, service, version);
    if (!row) {
      await services.require(q, service);
      throw new NotFoundError('artifact', `${service}@${version}`);
    }
    return toArtifact(row);
  };

  async function relabel(caller: Caller, service: string, version: string, label: string, add: boolean) {
    return db.tx(async (q) => {
      const before = await require(q, service, version);
      const changed = add ? await artifactStore.addLabel(q, before.id, label, caller.actor.label) : await artifactStore.removeLabel(q, before.id, label);
      const after = toArtifact((await artifactStore.byId(q, before.id))!);
      if (changed) {
        await audit.record(q, caller, add ? 'artifact.labelled' : 'artifact.unlabelled', { type: 'artifact', id: `${service}@${version}` },
          { labels: before.labels.map((l) => l.label) }, { labels: after.labels.map((l) => l.label) });
      }
      return after;
    });
  }

  return {
    require,
    get: (service, version) => require(db, service, version),
    async byId(q, id) {
      const row = await artifactStore.byId(q, id);
      return row && toArtifact(row);
    },
    async register(caller, service, input) {
      return db.tx(async (q) => {
        await services.require(q, service);
        if (input.buildId) await artifactStore.upsertBuild(q, input.buildId, input.buildUrl ?? null);
        const inserted = await artifactStore.insert(q, {
          id: randomUUID(), service, version: input.version, digest: input.digest, repository: input.repository ?? null,
          commit: input.commit ?? null, buildId: input.buildId ?? null, buildUrl: input.buildUrl ?? null,
          changes: input.changes ?? [], metadata: input.metadata ?? {}, createdBy: caller.actor.label,
        });
        const artifact = toArtifact((await artifactStore.get(q, service, input.version))!);
        if (!inserted) {
          if (artifact.digest !== input.digest) {
            throw new ConflictError('artifact_digest_conflict',
              `${service}@${input.version} is registered already with digest ${artifact.digest}; artifacts are immutable, so register a new version for ${input.digest}`,
              { existingDigest: artifact.digest });
          }
          return { artifact, created: false };
        }
        await audit.record(q, caller, 'artifact.registered', { type: 'artifact', id: `${service}@${input.version}` }, null, artifact);
        return { artifact, created: true };
      });
    },
    async list(service, filter = {}) {
      await services.require(db, service);
      return sortByVersion((await artifactStore.ofService(db, service, filter.label)).map(toArtifact));
    },
    label: (caller, service, version, label) => relabel(caller, service, version, label, true),
    unlabel: (caller, service, version, label) => relabel(caller, service, version, label, false),
    async build(id) {
      const build = await artifactStore.getBuild(db, id);
      if (!build) throw new NotFoundError('build', id);
      return { id, url: build.url, createdAt: build.created_at.toISOString(), artifacts: (await artifactStore.ofBuild(db, id)).map(toArtifact) };
    },
    async notes(service, { from, to }) {
      const all = await this.list(service);
      if (all.length === 0) throw new NotFoundError('artifact', `${service}@${to ?? 'latest'}`);
      const indexOf = (version: string) => {
        const i = all.findIndex((a) => a.version === version);
        if (i < 0) throw new NotFoundError('artifact', `${service}@${version}`);
        return i;
      };
      const end = to !== undefined ? indexOf(to) : all.length - 1;
      const start = from !== undefined ? indexOf(from) + 1 : 0;
      if (start > end + 1) throw new ValidationError(`--from ${from} comes after --to ${all[end]!.version} in ${service}'s version order`);
      return {
        service, from: from ?? null, to: all[end]!.version,
        versions: all.slice(start, end + 1).reverse().map((a) => ({ version: a.version, createdAt: a.createdAt, commit: a.provenance.commit, changes: a.changes })),
      };
    },
  };
}

function toArtifact(r: ArtifactRow): Artifact {
  return {
    id: r.id, service: r.service, version: r.version, digest: r.digest,
    provenance: { repository: r.repository, commit: r.commit, buildId: r.build_id, buildUrl: r.build_url },
    changes: r.changes, metadata: r.metadata, labels: r.labels.map((l) => ({ ...l, at: new Date(l.at).toISOString() })),
    createdAt: r.created_at.toISOString(), createdBy: r.created_by,
  };
}

/** Markdown for people; the same notes as JSON for tools. */
export function notesToMarkdown(notes: ReleaseNotes): string {
  const lines = [`# ${notes.service}: ${notes.from ? `${notes.from} → ` : 'up to '}${notes.to}`, ''];
  if (notes.versions.length === 0) lines.push('No changes.');
  for (const v of notes.versions) {
    lines.push(`## ${v.version}${v.commit ? ` (${v.commit.slice(0, 12)})` : ''} — ${v.createdAt.slice(0, 10)}`, '');
    lines.push(...(v.changes.length ? v.changes.map((c) => `- ${c}`) : ['- (no change entries recorded)']), '');
  }
  return lines.join('\n').trimEnd() + '\n';
}
