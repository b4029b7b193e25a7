import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** One registry per app, so several apps in one process (tests) never share counters. */
export interface RouterCounter {
  environment: string;
  agent: string;
  service: string;
  version: string;
  requests: number;
  errors5xx: number;
}

export function registerMetrics(app: FastifyInstance, collectors: {
  deploymentsByState(): Promise<{ state: string; n: number }[]>;
  /** What the agents' routers last reported: per version, the data canary analysis reads. */
  routerCounters(): Promise<RouterCounter[]>;
}): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: 'gantry_http_requests_total', help: 'HTTP requests by method, route and status', labelNames: ['method', 'route', 'status'], registers: [registry],
  });
  const latency = new Histogram({
    name: 'gantry_http_request_duration_seconds', help: 'HTTP request latency by route', labelNames: ['method', 'route'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers: [registry],
  });
  new Gauge({
    name: 'gantry_deployments', help: 'Deployments by state', labelNames: ['state'], registers: [registry],
    async collect() {
      this.reset();
      for (const { state, n } of await collectors.deploymentsByState()) this.set({ state }, n);
    },
  });
  const labels = ['environment', 'agent', 'service', 'version'];
  new Gauge({
    name: 'gantry_router_requests', help: 'Requests served per version by agents\' traffic routers (cumulative since each router started, as last reported)',
    labelNames: labels, registers: [registry],
    async collect() {
      this.reset();
      for (const c of await collectors.routerCounters()) this.set({ environment: c.environment, agent: c.agent, service: c.service, version: c.version }, c.requests);
    },
  });
  new Gauge({
    name: 'gantry_router_errors_5xx', help: '5xx answers per version by agents\' traffic routers (cumulative, as last reported)',
    labelNames: labels, registers: [registry],
    async collect() {
      this.reset();
      for (const c of await collectors.routerCounters()) this.set({ environment: c.environment, agent: c.agent, service: c.service, version: c.version }, c.errors5xx);
    },
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    requests.inc({ method: request.method, route, status: String(reply.statusCode) });
    latency.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });
  app.get('/metrics', { config: { permission: 'read' }, schema: { hide: true } }, async (_request, reply) => {
    return reply.type(registry.contentType).send(await registry.metrics());
  });
  return registry;
}
