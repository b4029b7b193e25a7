import { sortByVersion } from '../artifacts/versions.js';
import type { Queryable } from '../db/database.js';

export interface MatrixCell {
  environment: string;
  /** The version that last deployed successfully: what runs there now. */
  current: { version: string; deploymentId: number; at: string; by: string } | null;
  /** The newest deployment when it is not the current one (in progress, failed, queued…). */
  latest: { version: string; deploymentId: number; state: string; at: string; by: string } | null;
  /** How many versions this environment is behind the environment before it in the path. */
  behindPrevious: number | null;
}

export interface Matrix {
  environments: string[];
  services: { service: string; cells: MatrixCell[] }[];
}

interface Row {
  service: string;
  environment: string;
  id: number;
  version: string;
  state: string;
  created_at: Date;
  finished_at: Date | null;
  requested_by: string;
}

/** A read model across services, environments, artifacts and deployments, for `gantry matrix` and the dashboard. */
export async function readMatrix(q: Queryable): Promise<Matrix> {
  const [environments, services, current, latest, artifacts] = await Promise.all([
    q.query<{ name: string }>('SELECT name FROM environments ORDER BY position'),
    q.query<{ name: string }>('SELECT name FROM services ORDER BY name'),
    q.query<Row>(`SELECT DISTINCT ON (service, environment) service, environment, id, version, state, created_at, finished_at, requested_by
                  FROM deployments WHERE state = 'succeeded' ORDER BY service, environment, id DESC`),
    q.query<Row>(`SELECT DISTINCT ON (service, environment) service, environment, id, version, state, created_at, finished_at, requested_by
                  FROM deployments ORDER BY service, environment, id DESC`),
    q.query<{ service: string; version: string }>('SELECT service, version FROM artifacts ORDER BY created_at, id'),
  ]);
  const key = (s: string, e: string) => `${s}\u0000${e}`;
  const currentBy = new Map(current.rows.map((r) => [key(r.service, r.environment), r]));
  const latestBy = new Map(latest.rows.map((r) => [key(r.service, r.environment), r]));
  const versionsOf = new Map<string, string[]>();
  for (const a of artifacts.rows) versionsOf.set(a.service, [...(versionsOf.get(a.service) ?? []), a.version]);
  const envNames = environments.rows.map((e) => e.name);

  return {
    environments: envNames,
    services: services.rows.map(({ name: service }) => {
      const order = sortByVersion((versionsOf.get(service) ?? []).map((version) => ({ version }))).map((v) => v.version);
      const rank = (version: string | undefined) => (version === undefined ? -1 : order.indexOf(version));
      return {
        service,
        cells: envNames.map((environment, i) => {
          const c = currentBy.get(key(service, environment));
          const l = latestBy.get(key(service, environment));
          const previous = i > 0 ? currentBy.get(key(service, envNames[i - 1]!)) : undefined;
          return {
            environment,
            current: c ? { version: c.version, deploymentId: c.id, at: (c.finished_at ?? c.created_at).toISOString(), by: c.requested_by } : null,
            latest: l && l.id !== c?.id ? { version: l.version, deploymentId: l.id, state: l.state, at: l.created_at.toISOString(), by: l.requested_by } : null,
            behindPrevious: i === 0 ? null : Math.max(0, rank(previous?.version) - rank(c?.version)),
          };
        }),
      };
    }),
  };
}
