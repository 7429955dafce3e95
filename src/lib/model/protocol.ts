/**
 * Fika's two additions to the y-websocket protocol, shared by the server and the app.
 *
 * A client that opens its connection with `?ack=1` is told, after each commit that stored
 * updates it sent, the room's committed state vector: message type `COMMITTED_MESSAGE`, then
 * the state vector as a varUint8Array (lib0 encoding). Comparing it with its own changes tells
 * the app exactly which of them the server has stored ("all changes saved" is then a fact,
 * not a guess). A stock client never asks for it and never receives it.
 *
 * A client may also say, on connecting, which state of the room it holds (`STATE_PARAM`), and
 * give its token as a WebSocket subprotocol rather than in the address (`tokenProtocols`).
 */
import * as decoding from 'lib0/decoding';
import { fromBase64UrlEncoded, toBase64UrlEncoded } from 'lib0/buffer';

/** The subprotocol the server selects when a client offers it (and a token beside it). */
export const SYNC_PROTOCOL = 'fika';
/** The start of the subprotocol that carries a token. */
export const TOKEN_PROTOCOL_PREFIX = 'fika.token.';

/**
 * The WebSocket subprotocols that authenticate a connection with `token` (`protocols` of the
 * stock provider). Unlike `?token=`, they travel in a header, which proxies do not write into
 * their access logs. Tokens are base64url, which a subprotocol name may hold as it is.
 */
export function tokenProtocols(token: string): string[] {
  return [SYNC_PROTOCOL, `${TOKEN_PROTOCOL_PREFIX}${token}`];
}

/** The token among the offered subprotocols (`Sec-WebSocket-Protocol`), or null. */
export function tokenFromProtocols(header: string | undefined): string | null {
  for (const offered of (header ?? '').split(',')) {
    const name = offered.trim();
    if (name.startsWith(TOKEN_PROTOCOL_PREFIX) && name.length > TOKEN_PROTOCOL_PREFIX.length) {
      return name.slice(TOKEN_PROTOCOL_PREFIX.length);
    }
  }
  return null;
}

/** The query parameter that asks for commit acknowledgements. */
export const ACK_PARAM = 'ack';

/** Message type of a commit acknowledgement (server → client). */
export const COMMITTED_MESSAGE = 100;

/**
 * The query parameter by which a client tells the server, on connecting, the state vector of the
 * room it already holds (`Y.encodeStateVector`, base64url without padding). The server then sends
 * what the client lacks at once, ahead of the usual exchange, instead of waiting for the client's
 * sync step 1 (see docs/sync-protocol.md). A client whose state vector would make a longer
 * parameter leaves it out.
 */
export const STATE_PARAM = 'sv';

/** The longest state parameter a client sends, and the server reads. */
export const MAX_STATE_PARAM_LENGTH = 2048;

/** The state parameter for `stateVector`, or null when it would be too long to send. */
export function encodeStateParam(stateVector: Uint8Array): string | null {
  const text = toBase64UrlEncoded(stateVector);
  return text.length <= MAX_STATE_PARAM_LENGTH ? text : null;
}

/**
 * The state vector a state parameter carries, or null when it is not one: not canonical
 * base64url, too long, or not exactly one well-formed state vector.
 */
export function decodeStateParam(text: string): Uint8Array | null {
  if (text.length === 0 || text.length > MAX_STATE_PARAM_LENGTH || !/^[A-Za-z0-9_-]+$/.test(text))
    return null;
  const bytes = fromBase64UrlEncoded(text);
  if (toBase64UrlEncoded(bytes) !== text) return null;
  try {
    const decoder = decoding.createDecoder(bytes);
    const clients = decoding.readVarUint(decoder);
    for (let i = 0; i < clients; i++) {
      decoding.readVarUint(decoder);
      decoding.readVarUint(decoder);
    }
    if (decoding.hasContent(decoder)) return null;
  } catch {
    return null;
  }
  return bytes;
}
