// The floor for streaming fan-out on this machine: the least a Node process can do to deliver one
// change to every open Server-Sent Events stream. No storage, no auth, no snapshot: `POST
// /publish?id=N` writes one pre-encoded chunk to every stream and answers. The propagation bench
// runs it beside Gantry, on the same clients, so Gantry's figures read as a ratio to it.
import http from 'node:http';

const dataBytes = Number(process.env.FLOOR_DATA_BYTES ?? 400);
const streams = new Set();
const server = http.createServer((req, res) => {
  if (req.method === 'POST' && req.url.startsWith('/publish')) {
    const id = Number(new URL(req.url, 'http://x').searchParams.get('id'));
    const frame = Buffer.from(`event: patch\nid: ${id}\ndata: {"pad":"${'x'.repeat(dataBytes)}"}\n\n`);
    const chunk = Buffer.concat([Buffer.from(`${frame.length.toString(16)}\r\n`), frame, Buffer.from('\r\n')]);
    for (const s of streams) s.write(chunk);
    res.writeHead(204).end();
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  res.write('event: snapshot\nid: 0\ndata: {}\n\n');
  const socket = res.socket;
  streams.add(socket);
  res.on('close', () => streams.delete(socket));
});
server.listen(0, '127.0.0.1', () => console.log(`LISTENING http://127.0.0.1:${server.address().port}`));
process.on('SIGTERM', () => { server.closeAllConnections(); server.close(() => process.exit(0)); });
