/**
 * The reference the sync benchmark compares Fika with: the stock y-websocket server
 * (`@y/websocket-server` 0.1.1) as its README sets it up, without persistence, auth or limits.
 *
 * Kept to the package's own wiring (plain http server, `ws` without compression, the room name
 * is the URL path) so that the figures are those of y-websocket, not of this file. Two extra
 * routes let the benchmark watch it: `GET /healthz` and `GET /rooms` (documents in memory).
 *
 * Run: `PORT=1234 node --import tsx bench/reference-server.ts`
 */
import http from 'node:http';
import { WebSocketServer } from 'ws';
import { docs, setupWSConnection } from '@y/websocket-server/utils';

const port = Number(process.env.PORT ?? '1234');
const host = process.env.HOST ?? '127.0.0.1';

const wss = new WebSocketServer({ noServer: true });
wss.on('connection', (conn, req) => setupWSConnection(conn, req));

const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/healthz') {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ status: 'ok' }));
    return;
  }
  if (req.method === 'GET' && req.url === '/rooms') {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ rooms: docs.size }));
    return;
  }
  res.writeHead(404, { 'Content-Type': 'text/plain' });
  res.end('not found');
});

server.on('upgrade', (req, socket, head) => {
  wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
});

server.listen(port, host, () => {
  process.stderr.write(`reference y-websocket server on http://${host}:${port}\n`);
});

const stop = () => {
  for (const client of wss.clients) client.terminate();
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
