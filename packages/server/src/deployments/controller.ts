import type { PlacementVersion } from '../agents/placement.js';
import { routesFor, runsOn } from '../agents/placement.js';
import type { Agent, AgentsService } from '../agents/service.js';
import type { ArtifactsService } from '../artifacts/service.js';
import type { Database, Queryable } from '../db/database.js';
import type { Caller } from '../http/auth.js';
import { ValidationError } from '../http/errors.js';
import type { RunSpecsService } from '../runspecs/service.js';
import type { RunSpec } from '../runspecs/schema.js';
import { judge, windowStats } from './analysis.js';
import { buildPlan, describeStep, stableVersion, type Plan, type Step } from './plans.js';
import type { ScriptRunner } from './scripts.js';
import type { DeploymentsService } from './service.js';
import { enterStep, placeOnTargets, retireOnTargets } from './step-effects.js';
import { deploymentStore, type DeploymentRow } from './store.js';

type Check = 'wait' | 'done' | { fail: string };

export interface ControllerDeps {
  db: Database;
  deployments: DeploymentsService;
  agents: AgentsService;
  runSpecs: RunSpecsService;
  artifacts: ArtifactsService;
  scripts: ScriptRunner;
  intervalMs: number;
  log?: (error: unknown) => void;
}

const controller: Caller = { actor: { tokenId: '', name: 'controller', scope: 'admin', label: 'system:controller' }, requestId: 'controller' };
const routeTimeoutMs = 60_000;

/**
 * Advances every deployment Gantry performs, one step at a time, from state persisted in the
 * deployment row: a restart resumes where it stopped. Rows are locked with SKIP LOCKED, so several
 * replicas can run this loop without doing a step twice.
 */
export function startDeploymentController(deps: ControllerDeps) {
  const { db, agents, scripts } = deps;
  let running = false;
  let again = false;
  let lastPrune = 0;

  async function tick(): Promise<void> {
    // A poke while a pass runs is not lost: one more pass follows.
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      for (const id of await deploymentStore.controlled(db)) {
        await db.tx(async (q) => {
          const d = await deploymentStore.lockControlled(q, id);
          if (d) await advance(q, d);
        }).catch((error: unknown) => deps.log?.(error));
      }
      await retireExpiredWarm();
      if (Date.now() - lastPrune > 60_000) {
        lastPrune = Date.now();
        await agents.pruneSamples(db, new Date(Date.now() - 3_600_000));
      }
    } catch (error) {
      deps.log?.(error);
    } finally {
      running = false;
      if (again) {
        again = false;
        void tick();
      }
    }
  }

  async function retireExpiredWarm(): Promise<void> {
    const { rows } = await db.query<{ environment: string; service: string }>(
      `SELECT environment, service FROM placements WHERE state->'warm' IS NOT NULL AND state->'warm' <> 'null' AND (state->'warm'->>'until')::timestamptz < now()`);
    for (const { environment, service } of rows) {
      await db.tx(async (q) => {
        const p = await agents.placement(q, environment, service, true);
        if (!p?.warm || new Date(p.warm.until).getTime() > Date.now()) return;
        const warm = p.warm.version;
        await agents.setPlacement(q, environment, service, {
          ...p, warm: null, versions: p.versions.filter((v) => v.version !== warm),
          routes: { ...p.routes, versions: p.routes.versions.filter((r) => r.version !== warm), headerRoutes: (p.routes.headerRoutes ?? []).filter((r) => r.version !== warm) },
        });
      });
    }
  }

  const log = (q: Queryable, d: DeploymentRow, message: string, level = 'info') => deploymentStore.appendLog(q, d.id, [{ level, message }]);

  async function advance(q: Queryable, d: DeploymentRow): Promise<void> {
    if (d.state === 'approved') {
      // Plan and enter the first steps in the same pass: a warm rollback is then one round trip.
      if (!(await begin(q, d))) return;
      d = (await deploymentStore.get(q, d.id))!;
    }
    const plan = d.plan!;
    if (plan.abort) return fail(q, d, plan, `aborted: ${plan.abort}`);
    const spec = (await deps.runSpecs.current(q, d.service))!.spec;
    for (let guard = 0; guard < 20; guard++) {
      const step = plan.steps[d.step];
      if (!step) {
        await deps.deployments.transition(q, controller, d.id, 'succeeded', `${d.service}@${d.version} runs in ${d.environment}`);
        return;
      }
      if (plan.entered < d.step) {
        const placed = await enter(q, d, plan, step, spec);
        plan.entered = d.step;
        d.step_started_at = new Date();
        await deploymentStore.setPlan(q, d.id, plan, d.step, d.step_started_at);
        await log(q, d, `step ${d.step + 1}/${plan.steps.length}: ${describeStep(step)}`);
        const wanted = step.type === 'analysis' || step.type === 'verify' ? 'verifying' : 'running';
        if (d.state !== wanted) d.state = (await deps.deployments.transition(q, controller, d.id, wanted, describeStep(step))).state;
        // Agents hear of a new placement only when this transaction commits: checking it now could
        // only say "wait", and would hold the notification back. Their report brings the next pass.
        if (placed) return;
      }
      const result = await check(q, d, plan, step, spec);
      if (result === 'wait') {
        await deploymentStore.setPlan(q, d.id, plan, d.step, d.step_started_at);
        return;
      }
      if (result !== 'done') return fail(q, d, plan, result.fail);
      d.step += 1;
      await deploymentStore.setPlan(q, d.id, plan, d.step, d.step_started_at);
    }
  }

  /** Plans a deployment that was just approved; false when it could not start. */
  async function begin(q: Queryable, d: DeploymentRow): Promise<boolean> {
    const stored = await deps.runSpecs.current(q, d.service);
    if (!stored || (d.driver === 'script' && !stored.spec.scripts)) {
      await deps.deployments.transition(q, controller, d.id, 'failed', d.driver === 'script' ? 'the run specification has no scripts for the script driver' : `service ${d.service} has no run specification`);
      return false;
    }
    const previous = d.driver === 'agent' ? (await agents.placement(q, d.environment, d.service, true)) ?? null : null;
    const live = await agents.live(q, d.environment);
    let plan: Plan;
    try {
      plan = buildPlan({ strategy: d.strategy, driver: d.driver, kind: d.kind, version: d.version, spec: stored.spec, previous, agents: live.map((a) => a.id) });
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      await deps.deployments.transition(q, controller, d.id, 'failed', `run spec revision ${stored.revision}: ${error.message}`);
      return false;
    }
    await deploymentStore.setPlan(q, d.id, plan, 0, new Date(), stableVersion(previous) ?? null);
    await log(q, d, `plan (${d.strategy}, run spec revision ${stored.revision}): ${plan.steps.map((s, i) => `${i + 1}. ${describeStep(s)}`).join('; ')}`);
    await deps.deployments.transition(q, controller, d.id, 'running', `plan of ${plan.steps.length} steps`);
    return true;
  }

  async function freshVersion(q: Queryable, d: DeploymentRow, spec: RunSpec): Promise<PlacementVersion> {
    const artifact = (await deps.artifacts.byId(q, d.artifact_id))!;
    const fill = (t: string) => t.replaceAll('{service}', d.service).replaceAll('{version}', d.version).replaceAll('{digest}', artifact.digest);
    const url = typeof artifact.metadata.url === 'string' ? artifact.metadata.url : spec.artifact.url ? fill(spec.artifact.url) : null;
    return {
      version: d.version, deploymentId: d.id, targets: 'all',
      artifact: { url, digest: artifact.digest, fetchCommand: spec.artifact.fetchCommand ?? null, unpack: spec.artifact.unpack ?? 'tar' },
      run: {
        command: spec.command, env: spec.env ?? {}, secrets: spec.secrets ?? [], instances: spec.instances ?? 1, stopTimeoutMs: spec.stopTimeoutMs ?? 10_000,
        health: { path: '/health', intervalMs: 1000, timeoutMs: 1000, healthyThreshold: 1, unhealthyThreshold: 3, ...spec.health },
      },
    };
  }

  /** Applies a step's effects; true when it changed the placement agents follow. */
  async function enter(q: Queryable, d: DeploymentRow, plan: Plan, step: Step, spec: RunSpec): Promise<boolean> {
    if (step.type === 'verify' || step.type === 'script') {
      const artifact = (await deps.artifacts.byId(q, d.artifact_id))!;
      const env = {
        GANTRY_SERVICE: d.service, GANTRY_VERSION: d.version, GANTRY_ENVIRONMENT: d.environment, GANTRY_DEPLOYMENT_ID: String(d.id),
        GANTRY_DIGEST: artifact.digest, GANTRY_COMMIT: artifact.provenance.commit ?? '', GANTRY_PREVIOUS_VERSION: d.previous_version ?? '',
        GANTRY_PHASE: step.type === 'script' ? step.phase : 'verify', GANTRY_PORT: String(spec.port),
      };
      const key = `${d.id}:${d.step}`;
      scripts.forget(key);
      scripts.start(key, step.command, env, step.timeoutMs, (stream, line) => {
        void deploymentStore.appendLog(db, d.id, [{ level: stream === 'stderr' ? 'warn' : 'info', message: `[${env.GANTRY_PHASE}] ${line}` }]).catch(() => {});
      });
      return false;
    }
    if (d.driver !== 'agent') return false;
    const placement = (await agents.placement(q, d.environment, d.service, true)) ?? { port: spec.port, versions: [], routes: { versions: [] }, drainTimeoutMs: 10_000, warm: null };
    const fresh = await freshVersion(q, d, spec);
    const live = (await agents.live(q, d.environment)).map((a) => a.id);
    const rolledOut = plan.steps.slice(0, d.step).flatMap((s) => (s.type === 'batch' ? s.targets : []));
    const current = { ...placement, port: spec.port };
    const next = enterStep(step, current, fresh, stableVersion(plan.previous), live, rolledOut);
    if (next === current && current.port === placement.port) return false;
    await agents.setPlacement(q, d.environment, d.service, next);
    return true;
  }

  async function check(q: Queryable, d: DeploymentRow, plan: Plan, step: Step, spec: RunSpec): Promise<Check> {
    const elapsed = Date.now() - (d.step_started_at?.getTime() ?? Date.now());
    switch (step.type) {
      case 'pause':
        return plan.promoted === d.step || (step.durationMs !== undefined && elapsed >= step.durationMs) ? 'done' : 'wait';
      case 'verify':
      case 'script': {
        const run = scripts.get(`${d.id}:${d.step}`);
        if (!run) {
          // The server restarted while the command ran: run the phase again.
          plan.entered = d.step - 1;
          return 'wait';
        }
        if (!run.done) return 'wait';
        const o = run.outcome!;
        return o.code === 0 ? 'done' : { fail: `${step.type === 'script' ? `${step.phase} script` : 'acceptance command'} ${o.timedOut ? `timed out after ${step.timeoutMs} ms` : `exited with ${o.code ?? o.signal}`}` };
      }
      case 'analysis': {
        if (elapsed < step.spec.windowMs) return 'wait';
        const since = d.step_started_at!;
        const samples = await agents.samples(q, d.service, new Date(since.getTime() - 10_000));
        const stable = stableVersion(plan.previous);
        const outcome = judge(windowStats(samples, d.version, since), stable && stable !== d.version ? windowStats(samples, stable, since) : null, step.spec);
        await deploymentStore.addAnalysis(q, d.id, { step: d.step, ...outcome });
        await log(q, d, `analysis ${outcome.verdict}: ${outcome.reason}`, outcome.verdict === 'fail' ? 'error' : 'info');
        if (outcome.verdict === 'pass') return 'done';
        if (outcome.verdict === 'fail') return { fail: `analysis failed: ${outcome.reason}` };
        if (step.spec.noData === 'pass') return 'done';
        plan.waits = (plan.waits ?? 0) + 1;
        if (step.spec.noData === 'fail' || plan.waits >= 3) return { fail: `analysis had no data: ${outcome.reason}` };
        d.step_started_at = new Date(); // another window
        return 'wait';
      }
      default:
        return d.driver === 'agent' ? checkAgents(q, d, plan, step, spec, elapsed) : 'done';
    }
  }

  async function checkAgents(q: Queryable, d: DeploymentRow, plan: Plan, step: Step, spec: RunSpec, elapsed: number): Promise<Check> {
    const live = await agents.live(q, d.environment);
    const placement = (await agents.placement(q, d.environment, d.service, true))!;
    if (live.length === 0) return elapsed > (spec.startTimeoutMs ?? 120_000) ? { fail: `no live agent in ${d.environment}` } : 'wait';
    const report = (a: Agent) => a.status.services?.find((s) => s.service === d.service);
    const versionOn = (a: Agent, version: string) => report(a)?.versions.find((v) => v.version === version);
    const placed = (a: Agent) => placement.versions.filter((v) => runsOn(v, a.id)).map((v) => v.version);
    const routesApplied = (a: Agent) => {
      const expected = routesFor(placement, placed(a)).versions;
      const got = report(a)?.routes?.versions ?? [];
      return expected.every((e) => (got.find((g) => g.version === e.version)?.weight ?? 0) === e.weight);
    };
    const startTimeoutMs = spec.startTimeoutMs ?? 120_000;
    const failedOn = (targets: Agent[]): Check | undefined => {
      for (const a of targets) {
        const v = versionOn(a, d.version);
        if (v?.state === 'failed') return { fail: `${d.service}@${d.version} failed on agent ${a.name}: ${v.error ?? 'unknown error'}` };
      }
      return undefined;
    };
    const ready = (a: Agent) => { const v = versionOn(a, d.version); return v?.state === 'ready' && v.healthyInstances >= (spec.instances ?? 1); };
    const unhealthy = { fail: `${d.service}@${d.version} did not become healthy within ${Math.round(startTimeoutMs / 1000)} s` };
    switch (step.type) {
      case 'start': {
        const failed = failedOn(live);
        if (failed) return failed;
        if (!live.every(ready)) return elapsed > startTimeoutMs ? unhealthy : 'wait';
        return live.every(routesApplied) ? 'done' : 'wait';
      }
      case 'batch': {
        // Resumable from the row: what has been done inside the batch is in plan.batch, written in
        // the same transaction as the placement it changed.
        const now = Date.now();
        const started = now - elapsed;
        const progress = plan.batch?.step === d.step ? plan.batch : (plan.batch = { step: d.step });
        if (plan.phase === d.step) progress.retiredAt ??= started;
        const inPlace = step.inPlace ?? [];
        const surge = step.targets.filter((t) => !inPlace.includes(t));
        const on = (ids: string[]) => live.filter((a) => ids.includes(a.id));
        const names = (list: Agent[]) => list.map((a) => a.name).join(', ');
        const others = (a: Agent) => (report(a)?.versions ?? []).filter((v) => v.version !== d.version);
        const leaveTimeoutMs = routeTimeoutMs + placement.drainTimeoutMs + (spec.stopTimeoutMs ?? 10_000);

        const failed = failedOn(on(progress.placedAt !== undefined ? step.targets : surge));
        if (failed) return failed;
        let next = placement;
        if (inPlace.length > 0 && progress.placedAt === undefined) {
          // In place: the old version leaves first; the new one goes there once it is gone.
          const occupied = on(inPlace).filter((a) => others(a).length > 0);
          if (occupied.length > 0) {
            if (now - started > leaveTimeoutMs) return { fail: `the old version did not leave agent ${names(occupied)} within ${Math.round(leaveTimeoutMs / 1000)} s` };
          } else {
            next = placeOnTargets(next, d.version, inPlace);
            progress.placedAt = now;
            await log(q, d, `batch ${step.index + 1}/${step.of}: old version gone from ${names(on(inPlace)) || 'its in-place targets'}, new version starting there`);
          }
        }
        if (surge.length > 0 && progress.retiredAt === undefined) {
          // Surge: the old version leaves once the new one is healthy beside it.
          if (on(surge).every(ready)) {
            next = retireOnTargets(next, d.version, surge);
            progress.retiredAt = now;
            await log(q, d, `batch ${step.index + 1}/${step.of}: new version healthy on ${names(on(surge)) || 'its surge targets'}, old version leaving`);
          } else if (elapsed > startTimeoutMs) {
            return unhealthy;
          }
        }
        if (next !== placement) {
          await agents.setPlacement(q, d.environment, d.service, next);
          return 'wait';
        }
        if ((inPlace.length > 0 && progress.placedAt === undefined) || (surge.length > 0 && progress.retiredAt === undefined)) return 'wait';
        // Done when every target runs the new version alone, healthy and routed.
        const targets = on(step.targets);
        const notReady = targets.filter((a) => !ready(a));
        if (notReady.length > 0) return now - Math.max(started, progress.placedAt ?? 0) > startTimeoutMs ? unhealthy : 'wait';
        const lingering = targets.filter((a) => others(a).length > 0);
        const unrouted = targets.filter((a) => !routesApplied(a));
        if (lingering.length === 0 && unrouted.length === 0) return 'done';
        if (now - Math.max(started, progress.placedAt ?? 0, progress.retiredAt ?? 0) <= leaveTimeoutMs) return 'wait';
        return { fail: lingering.length > 0 ? `the old version did not leave agent ${names(lingering)} within ${Math.round(leaveTimeoutMs / 1000)} s`
          : `agent ${names(unrouted)} did not apply the new routes within ${Math.round(leaveTimeoutMs / 1000)} s` };
      }
      case 'weight':
      case 'switch':
      case 'switchBack':
        if (live.every(routesApplied)) return 'done';
        return elapsed > routeTimeoutMs ? { fail: `agents did not apply the new routes within ${routeTimeoutMs / 1000} s` } : 'wait';
      case 'retire': {
        const gone = live.every((a) => (report(a)?.versions ?? []).every((v) => placed(a).includes(v.version)));
        return gone || elapsed > routeTimeoutMs ? 'done' : 'wait';
      }
      default:
        return 'done';
    }
  }

  async function fail(q: Queryable, d: DeploymentRow, plan: Plan, reason: string): Promise<void> {
    const stable = stableVersion(plan.previous);
    if (d.driver === 'script') {
      const rollback = (await deps.runSpecs.current(q, d.service))?.spec.scripts?.rollback;
      if (rollback) {
        scripts.start(`${d.id}:rollback`, rollback, { GANTRY_SERVICE: d.service, GANTRY_VERSION: d.version, GANTRY_ENVIRONMENT: d.environment, GANTRY_PREVIOUS_VERSION: d.previous_version ?? '', GANTRY_PHASE: 'rollback' }, 600_000,
          (stream, line) => void deploymentStore.appendLog(db, d.id, [{ level: stream === 'stderr' ? 'warn' : 'info', message: `[rollback] ${line}` }]).catch(() => {}));
        await deps.deployments.transition(q, controller, d.id, 'rolled-back', `${reason}; rollback script started`);
        return;
      }
      await deps.deployments.transition(q, controller, d.id, 'failed', reason);
      return;
    }
    if (d.driver === 'agent' && plan.previous && plan.previous.versions.length > 0) {
      await agents.setPlacement(q, d.environment, d.service, { ...plan.previous, warm: null });
      await deps.deployments.transition(q, controller, d.id, 'rolled-back', `rolled back to ${stable ?? 'the previous placement'}: ${reason}`);
      return;
    }
    if (d.driver === 'agent') {
      const current = await agents.placement(q, d.environment, d.service, true);
      if (current) await agents.setPlacement(q, d.environment, d.service, { ...current, versions: current.versions.filter((v) => v.version !== d.version), routes: { ...current.routes, versions: current.routes.versions.filter((r) => r.version !== d.version) } });
    }
    await deps.deployments.transition(q, controller, d.id, 'failed', reason);
  }

  const timer = setInterval(() => void tick(), deps.intervalMs);
  timer.unref();
  return { tick, stop: () => { clearInterval(timer); scripts.stopAll(); } };
}
