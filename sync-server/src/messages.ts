/**
 * The y-websocket wire format, read strictly.
 *
 * Each binary frame is one message: a varUint message type, then its body.
 *   0 sync:      varUint subtype; 0 step 1 (varUint8Array state vector),
 *                1 step 2 (varUint8Array update), 2 update (varUint8Array update)
 *   1 awareness: varUint8Array awareness update
 *   3 query awareness: no body
 * Anything else, trailing bytes, or a body that does not decode is a `BadMessage`.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';
import { COMMITTED_MESSAGE } from '../../src/lib/model/protocol';

export const MessageType = {
  Sync: 0,
  Awareness: 1,
  Auth: 2,
  QueryAwareness: 3,
  Committed: COMMITTED_MESSAGE
} as const;
export const SyncType = { Step1: 0, Step2: 1, Update: 2 } as const;

export type ClientMessage =
  | { type: 'sync-step-1'; stateVector: Uint8Array }
  | { type: 'sync-update'; update: Uint8Array; step2: boolean }
  | { type: 'awareness'; update: Uint8Array; clients: AwarenessEntry[] }
  | { type: 'query-awareness' };

export interface AwarenessEntry {
  clientID: number;
  clock: number;
  state: unknown;
  /** The length of the state's JSON text, in UTF-16 code units. */
  stateLength: number;
}

export class BadMessageError extends Error {}

/** Parses one client frame; throws `BadMessageError` with the reason when it is not well formed. */
export function parseClientMessage(data: Uint8Array): ClientMessage {
  try {
    const decoder = decoding.createDecoder(data);
    const type = decoding.readVarUint(decoder);
    let message: ClientMessage;
    if (type === MessageType.Sync) {
      const sub = decoding.readVarUint(decoder);
      const payload = decoding.readVarUint8Array(decoder);
      if (sub === SyncType.Step1) {
        Y.decodeStateVector(payload);
        message = { type: 'sync-step-1', stateVector: payload };
      } else if (sub === SyncType.Step2 || sub === SyncType.Update) {
        message = { type: 'sync-update', update: payload, step2: sub === SyncType.Step2 };
      } else {
        throw new BadMessageError(`unknown sync message type ${sub}`);
      }
    } else if (type === MessageType.Awareness) {
      const update = decoding.readVarUint8Array(decoder);
      message = { type: 'awareness', update, clients: decodeAwareness(update) };
    } else if (type === MessageType.QueryAwareness) {
      message = { type: 'query-awareness' };
    } else {
      throw new BadMessageError(`unknown message type ${type}`);
    }
    if (decoding.hasContent(decoder)) throw new BadMessageError('trailing bytes after the message');
    return message;
  } catch (err) {
    if (err instanceof BadMessageError) throw err;
    throw new BadMessageError(`malformed message: ${(err as Error).message}`);
  }
}

/**
 * How many presence entries an awareness message says it holds, read without decoding them (the
 * caller decides first whether to spend the time); 0 for any other message or a malformed one,
 * which the full parse then refuses.
 */
export function awarenessEntryCount(data: Uint8Array): number {
  // The type is one byte (a varUint below 128): most messages are not awareness ones.
  if (data[0] !== MessageType.Awareness) return 0;
  try {
    const decoder = decoding.createDecoder(data);
    decoding.readVarUint(decoder);
    decoding.readVarUint(decoder); // the update's length
    return decoding.readVarUint(decoder);
  } catch {
    return 0;
  }
}

/** Decodes an awareness update completely (the library would apply part of a bad one). */
function decodeAwareness(update: Uint8Array): AwarenessEntry[] {
  const decoder = decoding.createDecoder(update);
  const count = decoding.readVarUint(decoder);
  const entries: AwarenessEntry[] = [];
  for (let i = 0; i < count; i++) {
    const clientID = decoding.readVarUint(decoder);
    const clock = decoding.readVarUint(decoder);
    const json = decoding.readVarString(decoder);
    const state: unknown = JSON.parse(json);
    entries.push({ clientID, clock, state, stateLength: json.length });
  }
  if (decoding.hasContent(decoder)) throw new BadMessageError('trailing bytes in awareness update');
  return entries;
}

/** An awareness update (not yet framed as a message) holding `entries`. */
export function encodeAwarenessEntries(entries: readonly AwarenessEntry[]): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, entries.length);
  for (const { clientID, clock, state } of entries) {
    encoding.writeVarUint(encoder, clientID);
    encoding.writeVarUint(encoder, clock);
    encoding.writeVarString(encoder, JSON.stringify(state));
  }
  return encoding.toUint8Array(encoder);
}

export function encodeSyncStep1(doc: Y.Doc): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MessageType.Sync);
  encoding.writeVarUint(encoder, SyncType.Step1);
  encoding.writeVarUint8Array(encoder, Y.encodeStateVector(doc));
  return encoding.toUint8Array(encoder);
}

export function encodeSyncStep2(doc: Y.Doc, stateVector?: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MessageType.Sync);
  encoding.writeVarUint(encoder, SyncType.Step2);
  encoding.writeVarUint8Array(encoder, Y.encodeStateAsUpdate(doc, stateVector));
  return encoding.toUint8Array(encoder);
}

export function encodeUpdate(update: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MessageType.Sync);
  encoding.writeVarUint(encoder, SyncType.Update);
  encoding.writeVarUint8Array(encoder, update);
  return encoding.toUint8Array(encoder);
}

export function encodeAwareness(update: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MessageType.Awareness);
  encoding.writeVarUint8Array(encoder, update);
  return encoding.toUint8Array(encoder);
}

/** A commit acknowledgement: the room's committed state vector (see src/lib/model/protocol.ts). */
export function encodeCommitted(doc: Y.Doc): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MessageType.Committed);
  encoding.writeVarUint8Array(encoder, Y.encodeStateVector(doc));
  return encoding.toUint8Array(encoder);
}

/** True when a decoded update carries no structs and no deletions (clients send these on connect). */
export function isEmptyUpdate(decoded: ReturnType<typeof Y.decodeUpdate>): boolean {
  return decoded.structs.length === 0 && decoded.ds.clients.size === 0;
}

/**
 * A message to be written to many connections, framed once: the WebSocket frame a server sends
 * for it (RFC 6455 §5.2: final, binary, unmasked), header and message in one buffer.
 *
 * `ws` frames each send itself, and writes the header and the message as two buffers, corked.
 * Relaying one update to a room of n connections would frame it n times; written from one buffer
 * it is framed once, and each connection's write is a single plain write. Only the relays use
 * it: they are where one message goes to many.
 */
export interface Framed {
  readonly message: Uint8Array;
  readonly frame: Buffer;
}

export function frameMessage(message: Uint8Array): Framed {
  const length = message.byteLength;
  const header = length < 126 ? 2 : length < 65536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(header + length);
  frame[0] = 0x82; // FIN, opcode 2 (binary)
  if (header === 2) frame[1] = length;
  else if (header === 4) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeUInt32BE(Math.floor(length / 2 ** 32), 2);
    frame.writeUInt32BE(length >>> 0, 6);
  }
  frame.set(message, header);
  return { message, frame };
}
