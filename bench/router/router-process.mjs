// The Gantry router under test, in its own process (as the agent runs it), driven over IPC:
//   { routes }             → setRoutes, reply { revision, at } (at: epoch ms of the swap)
//   { listen: true }       → listen on a free 127.0.0.1 port, reply { port }
//   { stats: true }        → reply { stats }
import { createRouter } from '../../packages/agent/dist/index.js';

const router = createRouter({ service: 'bench' });
process.on('message', async (msg) => {
  if (msg.routes) {
    const revision = router.setRoutes(msg.routes);
    const at = performance.timeOrigin + performance.now();
    process.send({ revision, at });
  } else if (msg.listen) {
    const address = await router.listen(0, '127.0.0.1');
    process.send({ port: address.port });
  } else if (msg.stats) {
    process.send({ stats: router.stats() });
  }
});
process.on('disconnect', () => router.close({ timeoutMs: 1000 }).then(() => process.exit(0)));
