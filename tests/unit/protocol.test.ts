/** The state parameter (protocol.ts): what the app puts in its connection URL, read strictly by the server. */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import * as encoding from 'lib0/encoding';
import { decodeStateParam, encodeStateParam, MAX_STATE_PARAM_LENGTH } from '../../src/lib/model/protocol';

function stateVector(clients: number): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, clients);
  for (let i = 0; i < clients; i++) {
    encoding.writeVarUint(encoder, 2 ** 31 + i);
    encoding.writeVarUint(encoder, 1000 + i);
  }
  return encoding.toUint8Array(encoder);
}

describe('state parameter', () => {
  it('carries a state vector there and back, in URL-safe characters', () => {
    const doc = new Y.Doc();
    doc.getText('t').insert(0, 'hello');
    for (const sv of [Y.encodeStateVector(new Y.Doc()), Y.encodeStateVector(doc), stateVector(50)]) {
      const text = encodeStateParam(sv)!;
      expect(text).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(encodeURIComponent(text)).toBe(text);
      expect(decodeStateParam(text)).toEqual(sv);
    }
  });

  it('is left out when it would be too long', () => {
    // 8 bytes a client in base64: about 10.7 characters each.
    expect(encodeStateParam(stateVector(150))).not.toBeNull();
    expect(encodeStateParam(stateVector(250))).toBeNull();
    const long = 'A'.repeat(MAX_STATE_PARAM_LENGTH + 4);
    expect(decodeStateParam(long)).toBeNull();
  });

  it('is refused unless it is exactly one well-formed state vector', () => {
    const good = encodeStateParam(stateVector(2))!;
    for (const bad of ['', '!!', 'AA==', 'AAB', 'AQE', `${good}AA`, good.slice(0, -2), 'gICAgICAgICAAQ']) {
      expect(decodeStateParam(bad), bad).toBeNull();
    }
  });
});
