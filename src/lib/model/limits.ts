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
  bytesBurst: 32 * 1024 * 1024,
  /**
   * Open sync connections of one person, over all their devices. The app opens one per room it
   * syncs, and a browser allows some 200 to 256 sockets to one site, so 1,000 leaves room for
   * several devices while bounding what one runaway or hostile client can make the server hold.
   */
  connectionsPerPerson: 1000
} as const;
