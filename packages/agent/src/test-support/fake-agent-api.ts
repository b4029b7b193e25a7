import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { DesiredService, DesiredState, ShippedLogLine, StatusReport } from '../agent/types.js';

/**
 * A small, faithful peer of docs/agent-protocol.md for the agent's unit-level tests: register,
 * long-poll desired state (ETag / If-None-Match / waitSeconds), status reports and logs, with
 * bearer tokens and problem+json errors. The real server's end-to-end tests live with the server.
 */
export interface FakeAgentApi {
  readonly url: string;
  readonly token: string;
  readonly environment: string;
  /** Registered agents by name. */
  readonly agents: Map<string, { id: string; name: string; hostname: string; version: string }>;
  readonly reports: { agentId: string; body: StatusReport; at: number }[];
  readonly logs: ShippedLogLine[];
  readonly requests: { method: string; path: string; status: number }[];
  readonly desired: DesiredState;
  /** Replace the desired services (for every agent) and bump the revision; long polls answer at once. */
  setDesired(services: DesiredService[]): number;
  /** Answer every call with this status (401, 403, 500…) until called with null. */
  failWith(status: number | null): void;
  /** Forget every agent (as a server whose database was replaced): calls with an old id get 404. */
  forgetAgents(): void;
  lastReport(): StatusReport | undefined;
  /** Stop answering: close the listener and cut every connection (the server is away). */
  close(): Promise<void>;
  /** Listen again on the same port. */
  reopen(): Promise<void>;
}

const STATES = ['fetching', 'starting', 'ready', 'failed', 'stopping'];
const isInt = (v: unknown) => Number.isInteger(v) && (v as number) >= 0;

/** The report's schema as the protocol (and the server) has it: revisions are integers when present, never null. */
function statusProblem(body: StatusReport): string | undefined {
  if (!Array.isArray(body?.services)) return 'services must be an array';
  if (body.desiredRevision !== undefined && !isInt(body.desiredRevision)) return 'desiredRevision must be an integer';
  for (const s of body.services) {
    if (typeof s.service !== 'string') return 'service must be a string';
    if (s.routesRevision !== undefined && !isInt(s.routesRevision)) return 'routesRevision must be an integer';
    if (!Array.isArray(s.versions)) return 'versions must be an array';
    for (const v of s.versions) {
      if (!STATES.includes(v.state)) return `state must be one of ${STATES.join(', ')}`;
      if (!isInt(v.healthyInstances)) return 'healthyInstances must be an integer';
      if (v.error !== null && v.error !== undefined && (typeof v.error !== 'string' || v.error.length > 4000)) return 'error must be a string of at most 4000 characters or null';
    }
    for (const c of Object.values(s.router?.versions ?? {})) {
      if (!isInt(c.requests) || !isInt(c.errors5xx)) return 'router counters must be integers';
      if (c.latencyMs && (c.latencyMs.buckets.length > 64 || c.latencyMs.counts.length > 65)) return 'too many latency buckets';
    }
  }
  return undefined;
}

export async function startFakeAgentApi(options: { token?: string; environment?: string; port?: number } = {}): Promise<FakeAgentApi> {
  const token = options.token ?? 'gnt_agent_test_token_0123456789';
  const environment = options.environment ?? 'production';
  const agents = new Map<string, { id: string; name: string; hostname: string; version: string }>();
  const reports: FakeAgentApi['reports'] = [];
  const logs: ShippedLogLine[] = [];
  const requests: FakeAgentApi['requests'] = [];
  let desired: DesiredState = { revision: 0, services: [] };
  let failStatus: number | null = null;
  const waiters = new Set<() => void>();
  const sockets = new Set<Socket>();

  const problem = (res: ServerResponse, status: number, code: string, detail: string) => {
    res.writeHead(status, { 'content-type': 'application/problem+json' }).end(JSON.stringify({ type: `https://gantry.dev/problems/${code}`, title: code, status, code, detail }));
  };
  const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
  };
  const readBody = async (req: IncomingMessage): Promise<unknown> => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null');
  };
  const knownId = (id: string) => [...agents.values()].some((a) => a.id === id);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    if (failStatus !== null) return problem(res, failStatus, failStatus === 401 ? 'unauthorized' : failStatus === 403 ? 'forbidden' : 'internal', `failing with ${failStatus} on purpose`);
    if (req.headers.authorization !== `Bearer ${token}`) return problem(res, 401, 'unauthorized', 'a valid bearer token is required');

    if (req.method === 'POST' && url.pathname === '/api/v1/agents') {
      const body = (await readBody(req)) as Record<string, unknown>;
      const extra = Object.keys(body ?? {}).filter((k) => !['name', 'hostname', 'version'].includes(k));
      if (typeof body?.name !== 'string' || extra.length > 0) return problem(res, 400, 'validation_failed', `bad registration body (${extra.join(', ')})`);
      const existing = agents.get(body.name);
      const agent = existing ?? { id: randomUUID(), name: body.name, hostname: String(body.hostname ?? ''), version: String(body.version ?? '') };
      agents.set(agent.name, agent);
      return json(res, existing ? 200 : 201, { ...agent, environment, live: true, appliedRevision: 0, status: { services: [] } });
    }
    const match = /^\/api\/v1\/agents\/([^/]+)\/(desired|status|logs)$/.exec(url.pathname);
    if (!match) return problem(res, 404, 'not_found', `no route ${req.method} ${url.pathname}`);
    const [, id, what] = match as unknown as [string, string, string];
    if (!knownId(id)) return problem(res, 404, 'agent_not_found', `no agent ${id}`);

    if (what === 'desired' && req.method === 'GET') {
      const known = /^"(\d+)"$/.exec(String(req.headers['if-none-match'] ?? ''))?.[1];
      const wait = Math.min(60, Number(url.searchParams.get('waitSeconds') ?? 0)) * 1000;
      const deadline = Date.now() + wait;
      while (known !== undefined && Number(known) === desired.revision) {
        const left = deadline - Date.now();
        if (left <= 0) {
          res.writeHead(304).end();
          return;
        }
        await new Promise<void>((resolve) => {
          const done = () => {
            clearTimeout(timer);
            waiters.delete(done);
            resolve();
          };
          const timer = setTimeout(done, left);
          waiters.add(done);
        });
        if (res.destroyed) return;
      }
      return json(res, 200, desired, { etag: `"${desired.revision}"` });
    }
    if (what === 'status' && req.method === 'POST') {
      const body = (await readBody(req)) as StatusReport;
      const invalid = statusProblem(body);
      if (invalid) return problem(res, 400, 'validation_failed', invalid);
      reports.push({ agentId: id, body, at: Date.now() });
      res.writeHead(204).end();
      return;
    }
    if (what === 'logs' && req.method === 'POST') {
      const body = (await readBody(req)) as { lines?: ShippedLogLine[] };
      if (!Array.isArray(body?.lines) || body.lines.length > 1000) return problem(res, 400, 'validation_failed', 'lines must be an array of at most 1000');
      if (body.lines.some((l) => typeof l.message !== 'string' || l.message.length > 4000)) return problem(res, 400, 'validation_failed', 'a line needs a message of at most 4000 characters');
      logs.push(...body.lines);
      res.writeHead(202).end();
      return;
    }
    return problem(res, 405, 'method_not_allowed', `${req.method} ${url.pathname}`);
  }

  const server = createServer((req, res) => {
    res.on('finish', () => requests.push({ method: req.method ?? '', path: new URL(req.url ?? '/', 'http://fake').pathname, status: res.statusCode }));
    handle(req, res).catch((err: Error) => problem(res, 500, 'internal', err.message));
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve((server.address() as AddressInfo).port);
      });
    });
  const port = await listen(options.port ?? 0);

  return {
    url: `http://127.0.0.1:${port}`,
    token,
    environment,
    agents,
    reports,
    logs,
    requests,
    get desired() {
      return desired;
    },
    setDesired(services) {
      desired = { revision: desired.revision + 1, services: structuredClone(services) };
      for (const wake of [...waiters]) wake();
      return desired.revision;
    },
    failWith(status) {
      failStatus = status;
    },
    forgetAgents() {
      agents.clear();
    },
    lastReport: () => reports.at(-1)?.body,
    close: () =>
      new Promise<void>((resolve) => {
        for (const wake of [...waiters]) wake();
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
    reopen: async () => {
      await listen(port);
    },
  };
}
