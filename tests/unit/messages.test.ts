import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import * as encoding from 'lib0/encoding';
import * as syncProtocol from 'y-protocols/sync';
import * as awarenessProtocol from 'y-protocols/awareness';
import { BadMessageError, parseClientMessage } from '../../sync-server/src/messages';

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
