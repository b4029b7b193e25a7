import type { ArtifactsService } from '../artifacts/service.js';
import type { AuditService } from '../audit/service.js';
import { isPgError, PgError, type Database, type Queryable } from '../db/database.js';
import type { EnvironmentsService } from '../environments/service.js';
import type { Caller } from '../http/auth.js';
import type { RunSpec } from '../runspecs/schema.js';
import type { ServicesService } from '../services/service.js';
import { etagOf } from '../http/etag.js';
import { AppError, ConflictError, ForbiddenError, NotFoundError, PreconditionFailedError } from '../http/errors.js';
import { toPage } from '../http/pagination.js';
import type { AnalysisOutcome } from './analysis.js';
import { describeStep } from './plans.js';
import { checkFreeze, checkPolicy } from './policy.js';
import { canMove, isTerminal, type DeploymentState } from './state-machine.js';
import { deploymentStore, type DeploymentFilter, type DeploymentRow, type NewDeployment } from './store.js';

export const strategies = ['recreate', 'rolling', 'blue-green', 'canary'] as const;
export const drivers = ['external', 'agent', 'script'] as const;

export interface Deployment {
  id: number;
  service: string;
  environment: string;
  version: string;
  artifactId: string;
  strategy: string;
  driver: string;
  state: DeploymentState;
  kind: 'deploy' | 'rollback';
  rollbackOf: number | null;
  reason: string | null;
  overrideReason: string | null;
  message: string | null;
  requestedBy: string;
  approvedBy: string | null;
  revision: number;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  updatedAt: string;
  /** For deployments Gantry performs: the plan's steps in words and the index of the current one. */
  progress: { step: number; steps: string[] } | null;
  /** Canary analysis results, oldest first. */
  analysis: (AnalysisOutcome & { step: number })[];
  previousVersion: string | null;
}

export interface CreateDeployment {
  service: string;
  environment: string;
  version: string;
  strategy?: (typeof strategies)[number];
  driver?: (typeof drivers)[number];
  reason?: string;
  /** Wait behind the active deployment instead of being refused. */
  queue?: boolean;
  /** Deploy into a frozen environment; the reason is audited. */
  overrideFreeze?: string;
}

export interface LogLine {
  id: number;
  at: string;
  level: string;
  message: string;
}

export interface DeploymentsService {
  create(caller: Caller, input: CreateDeployment): Promise<Deployment>;
  get(id: number): Promise<Deployment>;
  list(filter: Omit<DeploymentFilter, 'beforeId'> & { cursor?: number }): Promise<{ items: Deployment[]; nextCursor: string | null }>;
  report(caller: Caller, id: number, revision: number | undefined, input: { state: DeploymentState; message?: string }): Promise<Deployment>;
  approve(caller: Caller, id: number, comment?: string): Promise<Deployment>;
  reject(caller: Caller, id: number, comment: string): Promise<Deployment>;
  rollback(caller: Caller, input: { service: string; environment: string; reason?: string }): Promise<Deployment>;
  appendLogs(caller: Caller, id: number, lines: { level?: string; message: string }[]): Promise<void>;
  logs(id: number, afterId: number, limit: number): Promise<LogLine[]>;
  countByState(): Promise<{ state: string; n: number }[]>;
  /** For the controller: a state change inside its transaction, logged, audited, freeing the slot when terminal. */
  transition(q: Queryable, caller: Caller, id: number, to: DeploymentState, message: string): Promise<Deployment>;
  /** Ends a paused step early (`pause` without a duration waits for this). */
  promote(caller: Caller, id: number): Promise<Deployment>;
  /** Fails a deployment that Gantry is running; the controller then rolls it back. */
  abort(caller: Caller, id: number, reason: string): Promise<Deployment>;
}

export function createDeploymentsService(
  db: Database, audit: AuditService, services: ServicesService, environments: EnvironmentsService, artifacts: ArtifactsService,
  deps: { runSpec(q: Queryable, service: string): Promise<RunSpec | undefined>; changed?(): void } = { runSpec: async () => undefined },
): DeploymentsService {
  async function load(q: Queryable, id: number, forUpdate = false): Promise<DeploymentRow> {
    const row = await deploymentStore.get(q, id, forUpdate);
    if (!row) throw new NotFoundError('deployment', String(id));
    return row;
  }

  /** Takes the one slot of service+environment, or queues, or says who holds it. */
  async function insert(q: Queryable, caller: Caller, d: Omit<NewDeployment, 'state'>, protectedEnv: boolean, queue: boolean): Promise<Deployment> {
    await deploymentStore.lockSlot(q, d.service, d.environment);
    const holder = await deploymentStore.active(q, d.service, d.environment);
    if (holder && !queue) {
      throw new ConflictError('deployment_in_progress',
        `deployment ${holder.id} (${holder.service}@${holder.version} → ${holder.environment}, ${holder.state}) is active; wait for it or queue behind it`,
        { activeDeploymentId: holder.id });
    }
    const state: DeploymentState = holder ? 'queued' : protectedEnv ? 'pending' : 'approved';
    let row: DeploymentRow;
    try {
      row = await deploymentStore.insert(q, { ...d, state });
    } catch (error) {
      if (isPgError(error, PgError.uniqueViolation)) throw new ConflictError('deployment_in_progress', 'another deployment of this service to this environment became active at the same moment');
      throw error;
    }
    const deployment = toDeployment(row);
    const what = `${d.kind === 'rollback' ? 'rollback' : 'deployment'} of ${d.service}@${d.version} to ${d.environment} requested by ${caller.actor.label}`;
    await deploymentStore.appendLog(q, row.id, [{ level: 'info', message: `${what} (${d.strategy}, ${d.driver} driver)${state === 'queued' ? `, queued behind ${holder!.id}` : ''}${state === 'pending' ? ', awaiting approval' : ''}` }]);
    await audit.record(q, caller, d.kind === 'rollback' ? 'deployment.rollback-requested' : 'deployment.created', { type: 'deployment', id: String(row.id) }, null, deployment);
    return deployment;
  }

  /** A finished deployment frees the slot: the oldest queued one takes it in the same transaction. */
  async function promoteQueued(q: Queryable, caller: Caller, service: string, environment: string): Promise<void> {
    const next = await deploymentStore.oldestQueued(q, service, environment);
    if (!next) return;
    const env = await environments.require(q, environment);
    const moved = await deploymentStore.move(q, next.id, env.protected ? 'pending' : 'approved', {});
    await deploymentStore.appendLog(q, next.id, [{ level: 'info', message: `left the queue: now ${moved.state}` }]);
    await audit.record(q, caller, 'deployment.dequeued', { type: 'deployment', id: String(next.id) }, { state: next.state }, { state: moved.state });
  }

  async function move(caller: Caller, id: number, revision: number | undefined, to: DeploymentState, message: string | undefined, action: string, extra: { approvedBy?: string } = {}) {
    return db.tx((q) => transition(q, caller, id, revision, to, message, action, extra));
  }

  async function transition(q: Queryable, caller: Caller, id: number, revision: number | undefined, to: DeploymentState, message: string | undefined, action: string, extra: { approvedBy?: string } = {}) {
    {
      const before = await load(q, id, true);
      if (revision !== undefined && before.revision !== revision) throw new PreconditionFailedError(etagOf(before.revision));
      if (before.state === to && !isTerminal(to)) {
        if (message) await deploymentStore.appendLog(q, id, [{ level: 'info', message }]);
        return toDeployment(before);
      }
      if (before.state === 'pending' && (to === 'running' || to === 'succeeded' || to === 'verifying')) {
        throw new AppError(409, 'approval_required', `deployment ${id} is in protected environment "${before.environment}" and awaits approval`);
      }
      if (!canMove(before.state, to)) {
        throw new AppError(409, 'invalid_transition', `deployment ${id} is ${before.state} and cannot become ${to}`, { from: before.state, to });
      }
      const row = await deploymentStore.move(q, id, to, { message: message ?? null, ...extra });
      await deploymentStore.appendLog(q, id, [{ level: to === 'failed' ? 'error' : 'info', message: `${before.state} → ${to} by ${caller.actor.label}${message ? `: ${message}` : ''}` }]);
      const after = toDeployment(row);
      await audit.record(q, caller, action, { type: 'deployment', id: String(id) }, toDeployment(before), after);
      if (isTerminal(to)) await promoteQueued(q, caller, before.service, before.environment);
      return after;
    }
  }

  /** Tells the controller to look now rather than at its next tick: a rollback is a route switch away. */
  const poke = <T>(result: T): T => {
    deps.changed?.();
    return result;
  };

  const service: DeploymentsService = {
    async create(caller, input) {
      return db.tx(async (q) => {
        const environment = await environments.require(q, input.environment);
        const artifact = await artifacts.require(q, input.service, input.version);
        checkFreeze(environment, input.overrideFreeze);
        const previousOk = environment.policy.requirePreviousSuccess && environment.previous
          ? await deploymentStore.hasSucceeded(q, input.service, environment.previous, input.version) : undefined;
        checkPolicy(environment, artifact, previousOk);
        if (input.driver === 'agent' || input.driver === 'script') {
          const spec = await deps.runSpec(q, input.service);
          if (!spec) throw new AppError(409, 'run_spec_missing', `the ${input.driver} driver runs ${input.service} from its run specification, and it has none: PUT /api/v1/services/${input.service}/run-spec`);
          if (input.driver === 'script' && !spec.scripts) throw new AppError(409, 'run_spec_missing', `the script driver needs scripts in ${input.service}'s run specification`);
        }
        return insert(q, caller, {
          service: input.service, environment: input.environment, artifact_id: artifact.id, version: artifact.version,
          strategy: input.strategy ?? 'recreate', driver: input.driver ?? 'external', kind: 'deploy', rollback_of: null,
          reason: input.reason ?? null, override_reason: environment.freeze ? input.overrideFreeze ?? null : null,
          requested_by: caller.actor.label, requested_by_token: caller.actor.tokenId || null,
        }, environment.protected, input.queue ?? false);
      });
    },
    async get(id) {
      return toDeployment(await load(db, id));
    },
    async list({ cursor, ...filter }) {
      const rows = await deploymentStore.list(db, { ...filter, ...(cursor !== undefined ? { beforeId: cursor } : {}) });
      return toPage(rows.map(toDeployment), filter.limit, (d) => d.id);
    },
    report: (caller, id, revision, { state, message }) => move(caller, id, revision, state, message, `deployment.${state}`),
    async approve(caller, id, comment) {
      const current = await load(db, id);
      if (current.state !== 'pending') throw new AppError(409, 'invalid_transition', `only a deployment awaiting approval can be approved; ${id} is ${current.state}`, { from: current.state, to: 'approved' });
      if (current.requested_by_token && current.requested_by_token === caller.actor.tokenId) {
        throw new ForbiddenError(`deployment ${id} was requested by ${current.requested_by}; someone else must approve it`, 'self_approval');
      }
      return move(caller, id, undefined, 'approved', comment ? `approved: ${comment}` : 'approved', 'deployment.approved', { approvedBy: caller.actor.label });
    },
    async reject(caller, id, comment) {
      const current = await load(db, id);
      if (current.state !== 'pending') throw new AppError(409, 'invalid_transition', `only a deployment awaiting approval can be rejected; ${id} is ${current.state}`);
      return move(caller, id, undefined, 'failed', `rejected: ${comment}`, 'deployment.rejected');
    },
    async rollback(caller, { service, environment, reason }) {
      return db.tx(async (q) => {
        const env = await environments.require(q, environment);
        const history = await deploymentStore.succeeded(q, service, environment);
        const current = history[0];
        const target = history.find((d) => current && d.version !== current.version);
        if (!current || !target) {
          await services.require(q, service);
          throw new AppError(409, 'no_previous_version', `${service} has no earlier successful deployment in ${environment} to roll back to`);
        }
        return insert(q, caller, {
          service, environment, artifact_id: target.artifact_id, version: target.version, strategy: current.strategy, driver: current.driver,
          kind: 'rollback', rollback_of: current.id, reason: reason ?? `roll back ${current.version} to ${target.version}`, override_reason: null,
          requested_by: caller.actor.label, requested_by_token: caller.actor.tokenId || null,
        }, env.protected, false);
      });
    },
    async appendLogs(_caller, id, lines) {
      await db.tx(async (q) => {
        const d = await load(q, id);
        if (isTerminal(d.state)) throw new AppError(409, 'invalid_transition', `deployment ${id} is ${d.state}; its log is closed`);
        await deploymentStore.appendLog(q, id, lines.map((l) => ({ level: l.level ?? 'info', message: l.message })));
      });
    },
    async logs(id, afterId, limit) {
      await load(db, id);
      return (await deploymentStore.logs(db, id, afterId, limit)).map((l) => ({ id: l.id, at: l.at.toISOString(), level: l.level, message: l.message }));
    },
    countByState: () => deploymentStore.countByState(db),
    transition: (q, caller, id, to, message) => transition(q, caller, id, undefined, to, message, `deployment.${to}`),
    async promote(caller, id) {
      return db.tx(async (q) => {
        const d = await load(q, id, true);
        if (d.driver === 'external' || !['running', 'verifying'].includes(d.state) || !d.plan) {
          throw new AppError(409, 'invalid_transition', `deployment ${id} is ${d.state}${d.driver === 'external' ? ' and run outside Gantry' : ''}: nothing to promote`);
        }
        await deploymentStore.setPlan(q, id, { ...d.plan, promoted: d.step }, d.step, d.step_started_at);
        await deploymentStore.appendLog(q, id, [{ level: 'info', message: `promoted by ${caller.actor.label} at step ${d.step + 1}` }]);
        await audit.record(q, caller, 'deployment.promoted', { type: 'deployment', id: String(id) }, { step: d.step }, { step: d.step, promoted: true });
        return toDeployment((await load(q, id))!);
      });
    },
    async abort(caller, id, reason) {
      return db.tx(async (q) => {
        const d = await load(q, id, true);
        if (d.driver === 'external') throw new AppError(409, 'invalid_transition', `deployment ${id} is run outside Gantry: report its outcome instead`);
        if (isTerminal(d.state)) throw new AppError(409, 'invalid_transition', `deployment ${id} is ${d.state} already`);
        await deploymentStore.setPlan(q, id, { ...(d.plan ?? { steps: [], previous: null, entered: -1 }), abort: reason }, d.step, d.step_started_at);
        await deploymentStore.appendLog(q, id, [{ level: 'warn', message: `abort requested by ${caller.actor.label}: ${reason}` }]);
        await audit.record(q, caller, 'deployment.abort-requested', { type: 'deployment', id: String(id) }, null, { reason });
        return toDeployment((await load(q, id))!);
      });
    },
  };
  return {
    ...service,
    create: async (...a) => poke(await service.create(...a)),
    approve: async (...a) => poke(await service.approve(...a)),
    rollback: async (...a) => poke(await service.rollback(...a)),
    promote: async (...a) => poke(await service.promote(...a)),
    abort: async (...a) => poke(await service.abort(...a)),
  };
}

export function toDeployment(r: DeploymentRow): Deployment {
  return {
    id: r.id, service: r.service, environment: r.environment, version: r.version, artifactId: r.artifact_id,
    strategy: r.strategy, driver: r.driver, state: r.state, kind: r.kind, rollbackOf: r.rollback_of, reason: r.reason,
    overrideReason: r.override_reason, message: r.message, requestedBy: r.requested_by, approvedBy: r.approved_by,
    revision: r.revision, createdAt: r.created_at.toISOString(), startedAt: r.started_at?.toISOString() ?? null,
    finishedAt: r.finished_at?.toISOString() ?? null, updatedAt: r.updated_at.toISOString(),
    progress: r.plan ? { step: r.step, steps: r.plan.steps.map(describeStep) } : null,
    analysis: (r.analysis ?? []) as Deployment['analysis'], previousVersion: r.previous_version ?? null,
  };
}
