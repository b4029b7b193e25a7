import { randomUUID } from 'node:crypto';
import cors from '@fastify/cors';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance } from 'fastify';
import { agentsRoutes } from './agents/routes.js';
import { createAgentsService } from './agents/service.js';
import { artifactsRoutes } from './artifacts/routes.js';
import { createArtifactsService } from './artifacts/service.js';
import { auditRoutes } from './audit/routes.js';
import { createAuditService } from './audit/service.js';
import { authRoutes } from './auth/routes.js';
import { createAuthService, type AuthService } from './auth/service.js';
import type { Database } from './db/database.js';
import { scriptBaseEnvironment } from './config/config.js';
import { startDeploymentController } from './deployments/controller.js';
import { deploymentsRoutes } from './deployments/routes.js';
import { createScriptRunner } from './deployments/scripts.js';
import { createDeploymentsService } from './deployments/service.js';
import { environmentsRoutes } from './environments/routes.js';
import { createEnvironmentsService } from './environments/service.js';
import { registerAuth, systemActor } from './http/auth.js';
import { registerProblemHandlers } from './http/problem.js';
import { createValidatorCompiler } from './http/validation.js';
import { registerMetrics } from './metrics/metrics.js';
import { featuresRoutes } from './features/routes.js';
import { createFeaturesService, type FeaturesService } from './features/service.js';
import { ofrepRoutes } from './ofrep/routes.js';
import { releasesRoutes } from './releases/routes.js';
import { startReleaseScheduler } from './releases/scheduler.js';
import { createReleasesService } from './releases/service.js';
import { runSpecsRoutes } from './runspecs/routes.js';
import { createRunSpecsService } from './runspecs/service.js';
import { sdkRoutes } from './sdk/routes.js';
import { createStreamHub } from './sdk/stream.js';
import { segmentsRoutes } from './segments/routes.js';
import { createSegmentsService } from './segments/service.js';
import { servicesRoutes } from './services/routes.js';
import { createServicesService } from './services/service.js';
import { createSnapshotService, type SnapshotService } from './snapshots/service.js';

export interface AppOptions {
  db: Database;
  /** Where the snapshot service LISTENs for changes committed by any replica. */
  databaseUrl: string;
  logger?: boolean | { level: string };
  version?: string;
  /** Origins browsers may call OFREP and the browser SDK routes from; `*` by default (they carry bearer tokens, never cookies). */
  corsOrigins?: string[] | '*';
  /** OFREP requests allowed per second per SDK token and client address; 0 or absent: no limit. */
  ofrepRateLimit?: number;
  /** Where clients reach this server when a proxy adds a path prefix: OFREP's event streams are then full URLs under it. */
  publicUrl?: string;
  /** Controllers and streams, tunable for tests. */
  timings?: { heartbeatMs?: number; schedulerMs?: number; controllerMs?: number };
}

export interface GantryApp {
  app: FastifyInstance;
  auth: AuthService;
  features: FeaturesService;
  snapshots: SnapshotService;
}

export const bodyLimit = 1024 * 1024;
const systemCaller = { actor: systemActor, requestId: 'system' };

/** Builds the whole HTTP application without listening, so tests can `inject()` into it. */
export async function buildApp({ db, databaseUrl, logger = false, version = '0.1.0', timings = {}, corsOrigins = '*', ofrepRateLimit = 0, publicUrl }: AppOptions): Promise<GantryApp> {
  const app = Fastify({
    logger: logger === false ? false : { level: typeof logger === 'object' ? logger.level : 'info' },
    bodyLimit,
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    ajv: {},
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.setValidatorCompiler(createValidatorCompiler());
  app.addHook('onRequest', async (request, reply) => {
    void reply.header('x-request-id', request.id);
  });

  const audit = createAuditService(db);
  const services = createServicesService(db, audit);
  const environments = createEnvironmentsService(db, audit);
  const auth = createAuthService(db, audit, { environmentExists: (name) => environments.get(name).then(() => true, () => false) });
  const artifacts = createArtifactsService(db, audit, services);
  const runSpecs = createRunSpecsService(db, audit, services);
  const wake = { controller: () => {} };
  const deployments = createDeploymentsService(db, audit, services, environments, artifacts, {
    runSpec: async (q, service) => (await runSpecs.current(q, service))?.spec,
    changed: () => wake.controller(),
  });
  const agents = createAgentsService(db, audit);
  await agents.start(databaseUrl);
  const releases = createReleasesService(db, audit);
  // Segments and features refer to each other (rules use segments; a used segment cannot go).
  const segments = createSegmentsService(db, audit, { environments, referencingFeatures: (q, env, key) => features.referencing(q, env, key) });
  const features: FeaturesService = createFeaturesService(db, audit, { environments, releases, segmentKeys: (q, env) => segments.keys(q, env) });
  const snapshots = createSnapshotService(db);
  await snapshots.start(databaseUrl);
  const hub = createStreamHub(snapshots, { heartbeatMs: timings.heartbeatMs ?? 15_000, maxBufferedBytes: 8 * 1024 * 1024 });
  const deploymentController = startDeploymentController({
    db, deployments, agents, runSpecs, artifacts, scripts: createScriptRunner(scriptBaseEnvironment()), intervalMs: timings.controllerMs ?? 500,
    log: (e) => app.log.error({ err: e }, 'deployment controller'),
  });
  wake.controller = () => void deploymentController.tick();
  const scheduler = startReleaseScheduler(db, releases, features, { intervalMs: timings.schedulerMs ?? 1000, onError: (e) => app.log.error({ err: e }, 'release scheduler') });
  // Streams never end by themselves: end them before the server waits for open connections.
  app.addHook('preClose', async () => {
    scheduler.stop();
    deploymentController.stop();
    hub.close();
    await agents.stop();
  });
  app.addHook('onClose', async () => {
    await snapshots.stop();
  });

  registerProblemHandlers(app);
  app.addHook('onRoute', (route) => {
    // The API document, its viewer and CORS preflights are public; every other route states its permission.
    if (route.url.startsWith('/api/docs') || route.method === 'OPTIONS') route.config = { ...route.config, permission: 'public' };
  });
  // Browsers call only OFREP and the browser SDK routes across origins; the rest of the API stays same-origin.
  const browserFacing = (url: string | undefined) => /^\/(ofrep\/|api\/v1\/sdk\/(events|changes))/.test(url ?? '');
  // Built once: the delegator runs on every request.
  const sameOrigin = { origin: false };
  const crossOrigin = {
    origin: corsOrigins === '*' ? '*' : corsOrigins, methods: ['GET', 'POST'], allowedHeaders: ['authorization', 'content-type', 'if-none-match', 'x-api-key', 'last-event-id'],
    exposedHeaders: ['etag', 'retry-after'], maxAge: 600,
  };
  await app.register(cors, {
    hideOptionsRoute: true,
    delegator: (request, callback) => callback(null, browserFacing(request.url) ? crossOrigin : sameOrigin),
  });
  registerAuth(app, auth.resolve, auth.grants);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Gantry API', version, description: 'Deployments and releases, kept apart. Errors are RFC 9457 problems with a stable `code`.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs', uiConfig: { docExpansion: 'list' } });

  app.get('/api/openapi.json', { config: { permission: 'public' }, schema: { hide: true } }, async () => app.swagger());
  app.get('/healthz', { config: { permission: 'public' }, schema: { hide: true } }, async (_request, reply) => {
    await db.query('SELECT 1');
    return reply.send({ status: 'ok' });
  });
  registerMetrics(app, {
    deploymentsByState: deployments.countByState,
    routerCounters: async () => (await agents.list()).filter((a) => a.live).flatMap((a) => (a.status.services ?? []).flatMap((s) =>
      Object.entries(s.router?.versions ?? {}).map(([version, c]) => ({ environment: a.environment, agent: a.name, service: s.service, version, requests: c.requests, errors5xx: c.errors5xx })))),
  });

  await app.register(async (api) => {
    await api.register(authRoutes(auth));
    await api.register(auditRoutes(audit));
    await api.register(servicesRoutes(services));
    await api.register(environmentsRoutes(environments));
    await api.register(artifactsRoutes(artifacts));
    await api.register(deploymentsRoutes(deployments, db));
    await api.register(featuresRoutes(features));
    await api.register(segmentsRoutes(segments));
    await api.register(releasesRoutes(releases));
    await api.register(sdkRoutes(snapshots, hub, db));
    await api.register(runSpecsRoutes(runSpecs));
    await api.register(agentsRoutes(agents, (id, lines) => deployments.appendLogs(systemCaller, id, lines), () => wake.controller()));
  }, { prefix: '/api/v1' });
  await app.register(ofrepRoutes(snapshots, hub, auth, { rateLimit: ofrepRateLimit, publicUrl }), { prefix: '/ofrep/v1' });

  return { app, auth, features, snapshots };
}
