/**
 * A minimal client: the stock y-websocket provider in Node, syncing one room and printing it.
 *
 *   npx tsx sync-server/examples/sync-client.ts <token> [room] [server]
 *
 * With FIKA_SET=key=value it also writes `key` into the room's `notes` map (needs write access).
 */
import * as Y from 'yjs';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';

const [token, room = 'org', server = 'ws://localhost:3000/sync'] = process.argv.slice(2);
if (!token) {
  console.error('usage: npx tsx sync-server/examples/sync-client.ts <token> [room] [server]');
  process.exit(2);
}

const doc = new Y.Doc();
const provider = new WebsocketProvider(server, room, doc, {
  WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
  params: { token },
  disableBc: true
});

provider.on('closed', ({ code, reason }) => {
  console.error(`refused: ${code} ${reason}`);
  process.exit(1);
});

provider.on('sync', (synced: boolean) => {
  if (!synced) return;
  const set = process.env.FIKA_SET;
  if (set) {
    const [key, ...value] = set.split('=');
    doc.getMap('notes').set(key!, value.join('='));
  }
  const json: Record<string, unknown> = {};
  for (const name of doc.share.keys()) json[name] = doc.get(name, Y.Map).toJSON();
  console.log(JSON.stringify({ room, synced: true, content: json }, null, 2));
  // Give a write a moment to reach the server, then leave.
  setTimeout(() => {
    provider.destroy();
    process.exit(0);
  }, 300);
});
