import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import * as Y from 'yjs';
import * as encoding from 'lib0/encoding';
import * as syncProtocol from 'y-protocols/sync';
import * as awarenessProtocol from 'y-protocols/awareness';
import { BadMessageError, frameMessage, parseClientMessage } from '../../sync-server/src/messages';

function encode(write: (e: encoding.Encoder) => void): Uint8Array {
  const e = encoding.createEncoder();
  write(e);
  return encoding.toUint8Array(e);
}

describe('parseClientMessage', () => {
  const doc = new Y.Doc();
  doc.getMap('m').set('k', 'v');

  it('reads what the stock client sends', () => {
    const step1 = encode((e) => {
      encoding.writeVarUint(e, 0);
      syncProtocol.writeSyncStep1(e, doc);
    });
    expect(parseClientMessage(step1)).toMatchObject({ type: 'sync-step-1' });
    const step2 = encode((e) => {
      encoding.writeVarUint(e, 0);
      syncProtocol.writeSyncStep2(e, doc);
    });
    expect(parseClientMessage(step2)).toMatchObject({ type: 'sync-update', step2: true });
    const update = encode((e) => {
      encoding.writeVarUint(e, 0);
      syncProtocol.writeUpdate(e, Y.encodeStateAsUpdate(doc));
    });
    const parsed = parseClientMessage(update);
    expect(parsed).toMatchObject({ type: 'sync-update', step2: false });
    expect(parsed.type === 'sync-update' && parsed.update).toEqual(Y.encodeStateAsUpdate(doc));

    const awareness = new awarenessProtocol.Awareness(doc);
    awareness.setLocalStateField('user', { name: 'Sara' });
    const aw = encode((e) => {
      encoding.writeVarUint(e, 1);
      encoding.writeVarUint8Array(e, awarenessProtocol.encodeAwarenessUpdate(awareness, [doc.clientID]));
    });
    const parsedAw = parseClientMessage(aw);
    expect(parsedAw.type === 'awareness' && parsedAw.clients[0]?.state).toEqual({ user: { name: 'Sara' } });
    awareness.destroy();
    expect(parseClientMessage(Uint8Array.of(3))).toEqual({ type: 'query-awareness' });
  });

  it('refuses every malformed frame with a reason', () => {
    const frames: Record<string, Uint8Array> = {
      empty: new Uint8Array(0),
      'unknown type': Uint8Array.of(9),
      'auth from a client': Uint8Array.of(2, 0),
      'unknown sync type': Uint8Array.of(0, 7, 0),
      'truncated length': Uint8Array.of(0, 2, 40, 1, 2),
      'varint overflow': Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff),
      'trailing bytes': Uint8Array.of(3, 0),
      'bad state vector': Uint8Array.of(0, 0, 3, 5, 1, 0xff),
      'awareness JSON': encode((e) => {
        encoding.writeVarUint(e, 1);
        encoding.writeVarUint8Array(
          e,
          encode((a) => {
            encoding.writeVarUint(a, 1);
            encoding.writeVarUint(a, 1);
            encoding.writeVarUint(a, 1);
            encoding.writeVarString(a, '{');
          })
        );
      })
    };
    for (const [name, frame] of Object.entries(frames)) {
      expect(() => parseClientMessage(frame), name).toThrow(BadMessageError);
    }
  });
});

describe('frameMessage', () => {
  it('makes frames a WebSocket client reads as the message, at every header length', async () => {
    // A real server socket and a stock `ws` client over loopback: the frames are written to the
    // socket under the server's WebSocket, as the relays write them, and read by the client's
    // own parser, which refuses anything malformed.
    const http = createServer();
    const wss = new WebSocketServer({ noServer: true });
    const accepted = new Promise<{ ws: WebSocket; socket: Duplex }>((resolve) => {
      http.on('upgrade', (req, socket, head) =>
        wss.handleUpgrade(req, socket, head, (ws) => resolve({ ws, socket }))
      );
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const client = new WebSocket(`ws://127.0.0.1:${(http.address() as AddressInfo).port}`);
    const received: Buffer[] = [];
    client.on('message', (data: Buffer, isBinary: boolean) => {
      expect(isBinary).toBe(true);
      received.push(data);
    });
    const { ws, socket } = await accepted;

    // Each side of the 7-bit, 16-bit and 64-bit length forms.
    const lengths = [0, 1, 125, 126, 65_535, 65_536, 200_000];
    const messages = lengths.map((n) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + n) & 0xff));
    for (const message of messages) {
      const { frame } = frameMessage(message);
      expect(frame.length - message.length).toBe(message.length < 126 ? 2 : message.length < 65_536 ? 4 : 10);
      socket.write(frame);
    }
    // `ws`'s own sends stay in order with them.
    ws.send(Uint8Array.of(9, 9));
    await expect.poll(() => received.length).toBe(messages.length + 1);
    messages.forEach((m, i) =>
      expect(Buffer.compare(received[i]!, Buffer.from(m)), `length ${m.length}`).toBe(0)
    );
    expect([...received.at(-1)!]).toEqual([9, 9]);

    client.close();
    ws.terminate();
    await new Promise((resolve) => http.close(resolve));
  });
});
