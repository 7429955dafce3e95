/**
 * WebSocket close codes used on `/sync`. Shared by the server and the app.
 *
 * The stock y-websocket client stops reconnecting after a code in 4400–4499 (a decision that
 * reconnecting cannot change) and retries with backoff after any other code. So refusals are
 * sent as 44xx after the upgrade was accepted, never as an HTTP error before it, and transient
 * conditions (shutdown, overload) use codes the client retries after.
 */
export interface CloseCode {
  readonly code: number;
  readonly reason: string;
}

export const CloseCodes = {
  /** Malformed, truncated or unknown message, or a text frame. */
  BadMessage: { code: 4400, reason: 'Bad message' },
  /** Missing, unknown, expired or revoked token, or a deactivated account. */
  Unauthorized: { code: 4401, reason: 'Unauthorized' },
  /** The person may not read this room (or lost access while connected). */
  Forbidden: { code: 4403, reason: 'Forbidden' },
  /** Not a valid room name. */
  UnknownRoom: { code: 4404, reason: 'Unknown room' },
  /** The client did not read what the server sent; its send buffer passed the bound. */
  SlowClient: { code: 4408, reason: 'Client too slow' },
  /**
   * The room's rules refused an update. The client must drop its local copy of the room,
   * load the server's copy again and reconnect (re-sending the same update is refused again).
   */
  UpdateRefused: { code: 4409, reason: 'Update refused' },
  /** A message larger than the configured limit. */
  MessageTooLarge: { code: 4413, reason: 'Message too large' },
  /** More messages or bytes per second than the connection's rate limit. */
  RateLimited: { code: 4429, reason: 'Too many messages' },
  /**
   * The person already has the most open connections the server allows one person
   * (`FIKA_MAX_CONNECTIONS_PER_PERSON`), counted over all their devices. The app tries again later.
   */
  TooManyConnections: { code: 4430, reason: 'Too many connections' },
  /** The server is shutting down; the client should reconnect later (it does, by default). */
  GoingAway: { code: 1001, reason: 'Server shutting down' },
  /** An unexpected error on the server; the client retries. */
  InternalError: { code: 1011, reason: 'Internal error' }
} as const satisfies Record<string, CloseCode>;

export type CloseCodeName = keyof typeof CloseCodes;

/** True when the stock client will not reconnect after this code. */
export const isTerminalCloseCode = (code: number): boolean => code >= 4400 && code < 4500;
