/**
 * Fika's effective settings, read from its own config module (the benchmark runs Fika with
 * its defaults, and they change as the server evolves), so that the report states the settings
 * that were measured, durability in particular, instead of assuming them.
 */

export interface FikaSettings {
  synchronous: string;
  /** e.g. "synchronous=normal, commit delay 0 ms, …", or why it could not be read. */
  summary: string;
}

/** Fika's settings with `overrides` (environment variables) applied to its defaults. */
export async function fikaSettings(overrides: Record<string, string> = {}): Promise<FikaSettings> {
  const changed = Object.entries(overrides).map(([name, value]) => `${name}=${value}`);
  const note = changed.length > 0 ? ` (NOT the defaults: ${changed.join(', ')})` : '';
  try {
    const { loadConfig } = await import('../sync-server/src/config');
    const c = loadConfig(overrides);
    const MiB = 1024 * 1024;
    return {
      synchronous: c.sqliteSynchronous,
      summary:
        `SQLite synchronous=${c.sqliteSynchronous.toUpperCase()}, commit delay ${c.commitDelayMs} ms, ` +
        (c.journalDrainMs > 0
          ? `commits to the journal, moved into SQLite after ${c.journalDrainMs} ms, `
          : 'commits straight to SQLite (no journal), ') +
        `${c.messagesPerSecond} messages/s per connection (burst ${c.messageBurst}), ` +
        `send buffer bound ${c.maxBufferedBytes / MiB} MiB, documents of small rooms asleep and rooms without connections unloaded after ${c.roomIdleMs / 1000} s idle` +
        note
    };
  } catch (err) {
    return {
      synchronous: 'unknown',
      summary: `could not read Fika's settings: ${(err as Error).message}${note}`
    };
  }
}
