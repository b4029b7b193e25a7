// The benchmark's upstream: node:http answering a fixed small body; reports its port over IPC.
import http from 'node:http';

const name = process.argv[2] ?? 'upstream';
const body = Buffer.from(`hello from ${name}\n`);
const server = http.createServer((req, res) => {
  req.resume();
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length, 'x-version': name });
  res.end(body);
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => process.send?.({ port: server.address().port }));
process.on('disconnect', () => process.exit(0));
