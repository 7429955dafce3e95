/**
 * Fika's one addition to the y-websocket protocol, shared by the server and the app.
 *
 * A client that opens its connection with `?ack=1` is told, after each commit that stored
 * updates it sent, the room's committed state vector: message type `COMMITTED_MESSAGE`, then
 * the state vector as a varUint8Array (lib0 encoding). Comparing it with its own changes tells
 * the app exactly which of them the server has stored ("all changes saved" is then a fact,
 * not a guess). A stock client never asks for it and never receives it.
 */

/** The query parameter that asks for commit acknowledgements. */
export const ACK_PARAM = 'ack';

/** Message type of a commit acknowledgement (server → client). */
export const COMMITTED_MESSAGE = 100;
