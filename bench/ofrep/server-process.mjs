// Starts `gantry serve`'s server in this process on 127.0.0.1 with a throwaway embedded database,
// prints its URL, and stops on SIGTERM. Used by the benchmarks so the load generator and the
// server do not share an event loop.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadServerConfig, startServer } from '../../packages/server/dist/index.js';

const dataDir = process.argv[2] ?? mkdtempSync(join(tmpdir(), 'gantry-bench-'));
const server = await startServer(loadServerConfig({ port: 0, dataDir, logLevel: 'silent', adminToken: process.env.BENCH_ADMIN_TOKEN }));
process.on('SIGTERM', async () => { await server.close(); process.exit(0); });
console.log(`LISTENING ${server.url}`);
