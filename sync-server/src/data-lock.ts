/**
 * One server per data directory. Two Fika servers on one directory would each keep their own
 * copy of a room in memory (people connected to one would not see the other's changes) and
 * would empty each other's commit journal after moving their own records into SQLite, taking
 * away what protects the other's last updates from a crash.
 *
 * The lock is an exclusive SQLite lock on an empty file of its own (`fika.lock`), held from start
 * to close. SQLite's lock is the operating system's file lock, which goes with the process that
 * holds it, however that process ends, so a killed server leaves nothing stale behind. The
 * database itself stays open to the backup command and the checkpoint worker.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

/** The lock file's name in the data directory. */
export const LOCK_FILE = 'fika.lock';

export class DataDirInUseError extends Error {
  constructor(readonly dataDir: string) {
    super(
      `another Fika server is using the data directory ${dataDir}. Stop it first, ` +
        'or give this one a data directory of its own (FIKA_DATA_DIR).'
    );
  }
}

export interface DataDirLock {
  readonly dataDir: string;
  release(): void;
}

/** Takes the data directory (creating it if need be); throws `DataDirInUseError` if taken. */
export function lockDataDir(dataDir: string): DataDirLock {
  fs.mkdirSync(dataDir, { recursive: true });
  const db = new Database(path.join(dataDir, LOCK_FILE), { timeout: 0 });
  try {
    // Nothing is ever written, so no rollback journal beside the file.
    db.pragma('journal_mode = MEMORY');
    // Never committed: the transaction's exclusive lock lasts until the connection closes.
    db.exec('BEGIN EXCLUSIVE');
  } catch (err) {
    db.close();
    if ((err as { code?: string }).code === 'SQLITE_BUSY') throw new DataDirInUseError(dataDir);
    throw err;
  }
  let held = true;
  return {
    dataDir,
    release() {
      if (!held) return;
      held = false;
      db.close();
    }
  };
}
