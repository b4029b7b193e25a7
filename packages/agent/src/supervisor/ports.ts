import { createServer } from 'node:net';

function bindAny(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** A port that is free on `host` now and not in `taken` (ports this agent already handed out). */
export async function allocatePort(host: string, taken: ReadonlySet<number>): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await bindAny(host);
    if (!taken.has(port)) return port;
  }
  throw new Error(`no free port on ${host} after 20 attempts`);
}
