/** Limits shared by the server and the app. The server's values are configurable; these are the defaults. */
export const Limits = {
  /** Largest sync message accepted, in bytes (4 MiB). */
  maxMessageBytes: 4 * 1024 * 1024,
  /** Bytes queued for one slow connection before it is disconnected (16 MiB). */
  maxBufferedBytes: 16 * 1024 * 1024,
  /** Sustained messages per second per connection, and the burst allowed above it. */
  messagesPerSecond: 500,
  messageBurst: 2000,
  /** Sustained bytes per second per connection, and the burst allowed above it. */
  bytesPerSecond: 8 * 1024 * 1024,
  bytesBurst: 32 * 1024 * 1024
} as const;
