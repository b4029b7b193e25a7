import { startTestServer, type TestServer } from '../../../../test-support/gantry-server.js';

/** Features every sdk-web test starts from, in the `production` environment. */
export async function seededServer(): Promise<{ server: TestServer; token: string }> {
  const server = await startTestServer();
  await server.api('POST', '/api/v1/environments', { name: 'production' });
  const features: Array<Record<string, unknown>> = [
    { key: 'new-checkout' },
    { key: 'banner-color', type: 'string', variations: [{ key: 'blue', value: 'blue' }, { key: 'green', value: 'green' }] },
    { key: 'max-items', type: 'number', variations: [{ key: 'few', value: 5 }, { key: 'many', value: 50 }] },
    { key: 'layout', type: 'json', variations: [{ key: 'grid', value: { columns: 3 } }, { key: 'list', value: { columns: 1 } }] },
    { key: 'gradual' },
    { key: 'premium-only' },
    { key: 'later' },
  ];
  for (const feature of features) await server.api('POST', '/api/v1/features', feature);
  for (const key of ['new-checkout', 'banner-color', 'max-items', 'layout']) await release(server, key, { action: 'on' });
  await release(server, 'gradual', { action: 'percent', percent: 50 });
  await server.api('PUT', '/api/v1/features/premium-only/environments/production', {
    config: { on: true, offVariation: 1, rules: [{ clauses: [{ attribute: 'plan', operator: 'in', values: ['premium'] }], serve: { variation: 0 } }], fallthrough: { variation: 1 } },
  });
  return { server, token: await server.token('sdk-client:production') };
}

export function release(server: TestServer, key: string, body: Record<string, unknown>): Promise<unknown> {
  return server.api('POST', `/api/v1/features/${key}/environments/production/releases`, body);
}

/** A URL where nothing listens (a port just released). */
export async function unreachableUrl(): Promise<string> {
  const { createServer } = await import('node:net');
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

/** Resolves with the next value `subscribe` delivers, or rejects after `ms`. */
export function next<T>(subscribe: (handler: (event: T) => void) => () => void, ms = 10_000, accept: (event: T) => boolean = () => true): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no event within ${ms} ms`));
    }, ms);
    const off = subscribe((event) => {
      if (!accept(event)) return;
      clearTimeout(timer);
      off();
      resolve(event);
    });
  });
}
