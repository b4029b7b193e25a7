// A tiny HTTP service for the agent's tests: one "version" of a service.
//
// Environment:
//   PORT, VERSION         where to listen, what to answer
//   HEALTH=fail           /health always answers 503 (never healthy)
//   FAIL_EVERY=N          every N-th request to / answers 500 (deterministic 5xx fraction)
//   STARTUP_DELAY_MS=N    wait before listening
//   EXIT_AFTER_MS=N       exit with code 3 after N ms (a crash)
//   IGNORE_SIGTERM=1      ignore SIGTERM (to test the SIGKILL escalation)
//   SPAWN_CHILD=1         start a grandchild process in the same group (prints "child pid N")
// Endpoints: / · /health · /echo (method, url, headers, body bytes) · /slow?ms=&chunks= (streams)
//            /log?line=TEXT (prints TEXT to stdout) · /crash · WebSocket echo on /ws
import http from 'node:http';
import { spawn } from 'node:child_process';
import { WebSocketServer } from 'ws';

const env = process.env;
const port = Number(env.PORT);
const version = env.VERSION ?? 'unknown';
const failEvery = Number(env.FAIL_EVERY ?? 0);
let count = 0;

const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  switch (url.pathname) {
    case '/health':
      if (env.HEALTH === 'fail') {
        res.writeHead(503).end('unhealthy');
      } else {
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      }
      return;
    case '/echo': {
      let bytes = 0;
      req.on('data', (chunk) => (bytes += chunk.length));
      req.on('end', () => {
        const body = JSON.stringify({ version, port, remotePort: req.socket.remotePort, method: req.method, url: req.url, headers: req.headers, rawHeaders: req.rawHeaders, bodyBytes: bytes });
        res.writeHead(200, { 'content-type': 'application/json', 'x-version': version, connection: 'keep-alive, x-secret-hop', 'x-secret-hop': 'drop me', 'keep-alive': 'timeout=5' }).end(body);
      });
      return;
    }
    case '/slow': {
      const ms = Number(url.searchParams.get('ms') ?? 1000);
      const chunks = Number(url.searchParams.get('chunks') ?? 5);
      res.writeHead(200, { 'content-type': 'text/plain', 'x-version': version });
      let sent = 0;
      const timer = setInterval(() => {
        res.write(`chunk ${sent} of ${version}\n`);
        if (++sent >= chunks) {
          clearInterval(timer);
          res.end();
        }
      }, ms / chunks);
      res.on('close', () => clearInterval(timer));
      return;
    }
    case '/log':
      console.log(url.searchParams.get('line') ?? '');
      res.end('logged');
      return;
    case '/crash':
      res.end('bye');
      setTimeout(() => process.exit(3), 10);
      return;
    default:
      count++;
      if (failEvery > 0 && count % failEvery === 0) {
        res.writeHead(500, { 'content-type': 'text/plain', 'x-version': version }).end(`failure from ${version}`);
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain', 'x-version': version }).end(version);
  }
});

const wss = new WebSocketServer({ server, path: '/ws' });
wss.on('connection', (socket) => socket.on('message', (data, binary) => socket.send(binary ? data : `${version}:${data}`)));

if (env.IGNORE_SIGTERM === '1') process.on('SIGTERM', () => console.log('ignoring SIGTERM'));
else {
  process.on('SIGTERM', () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
    setTimeout(() => process.exit(0), 500).unref();
  });
}

if (env.SPAWN_CHILD === '1') {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  console.log(`child pid ${child.pid}`);
}
if (env.EXIT_AFTER_MS) setTimeout(() => process.exit(3), Number(env.EXIT_AFTER_MS));

setTimeout(() => {
  server.listen(port, '127.0.0.1', () => {
    console.log(`version ${version} listening on ${port}`);
    console.error(`stderr hello from ${version}`);
  });
}, Number(env.STARTUP_DELAY_MS ?? 0));
