/**
 * A backup of the data directory, taken while Fika runs (`npm run backup -- <dir>`): the
 * database, the journal and the uploaded images, copied into a new directory of their own that
 * is a data directory Fika can start on.
 *
 * Updates move from the journal into SQLite while the copy is made, so the order matters:
 * 1. the journal first: an update that leaves it before it is copied is in SQLite by then, and
 *    so in the database copied next;
 * 2. the database by `VACUUM INTO`: one read transaction, so a consistent snapshot however busy
 *    the server is (the online backup API would start over on every write), compact as well;
 * 3. the images last: an image's file is in place before its row is written and files are never
 *    changed, so every image the copied database lists is there.
 * An update in both the journal and the database is applied twice on start-up, which changes
 * nothing (Yjs). The copy is made under a `.partial` name and renamed once complete and checked
 * (`PRAGMA integrity_check`; every listed image is looked for, and one the data directory itself
 * lacks is reported rather than stopping every backup from then on), so an interrupted backup is
 * never taken for a whole one.
 *
 * `--keep <n>` makes the command fit a schedule (cron, a systemd timer): once a backup is made,
 * only the newest n complete backups in the directory stay (`pruneBackups`).
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { DATABASE_FILE, isUnreadableDatabase } from './db';
import { JOURNAL_FILE } from './journal';
import { UPLOADS_DIR } from './uploads';

export class BackupError extends Error {}

export interface BackupSummary {
  /** The new backup directory. */
  dir: string;
  rooms: number;
  users: number;
  images: number;
  /**
   * Images the database lists whose file is missing or cut short in the data directory itself
   * (lost before the backup): the backup is made all the same, and says which.
   */
  missingImages: string[];
  /** Journal bytes copied (updates not yet in the database). */
  journalBytes: number;
  /** Size of the whole backup. */
  bytes: number;
}

/** `fika-backup-2026-11-27T15-04-05Z`: sorts by time, and is a valid name everywhere. */
export function backupName(at: Date): string {
  return `fika-backup-${at.toISOString().slice(0, 19).replace(/:/g, '-')}Z`;
}

/** Added to a backup's name while it is being made. */
const PARTIAL = '.partial';
/** A complete backup's directory name (`backupName`). */
const BACKUP_NAME = /^fika-backup-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ$/;

/** The `--keep` count: a whole number of at least 1, or a `BackupError` saying so. */
export function parseKeep(value: string | undefined): number {
  const keep = value !== undefined && /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(keep) || keep < 1) {
    throw new BackupError(`--keep needs a whole number of backups, at least 1 (got ${value ?? 'nothing'}).`);
  }
  return keep;
}

/** A backup left half-made this long before the current one was interrupted: none takes a day. */
const STALE_PARTIAL_MS = 24 * 60 * 60 * 1000;

/**
 * After the backup `current` (made at `at`) was made: removes all but the newest `keep` complete
 * backups under `targetParent`, `current` always among those kept (even if the clock went back
 * and older names sort after it), and what interrupted backups left more than a day before it.
 * Anything else there is left alone: other files, and a backup still being made. The names sort
 * by time. Returns the directories removed.
 */
export function pruneBackups(
  targetParent: string,
  keep: number,
  current: { dir: string; at: Date }
): string[] {
  const parent = path.resolve(targetParent);
  const currentName = path.basename(current.dir);
  const complete: string[] = [];
  const stale: string[] = [];
  for (const entry of fs.readdirSync(parent, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    if (BACKUP_NAME.test(entry.name)) {
      if (entry.name !== currentName) complete.push(entry.name);
    } else if (entry.name.endsWith(PARTIAL) && BACKUP_NAME.test(entry.name.slice(0, -PARTIAL.length))) {
      if (timeOf(entry.name) < current.at.getTime() - STALE_PARTIAL_MS) stale.push(entry.name);
    }
  }
  complete.sort();
  const removed = [...complete.slice(0, Math.max(0, complete.length - (keep - 1))), ...stale].map((name) =>
    path.join(parent, name)
  );
  for (const dir of removed) fs.rmSync(dir, { recursive: true, force: true });
  return removed;
}

/** When the backup named `name` (`backupName`, with or without `.partial`) was begun. */
function timeOf(name: string): number {
  const [, date, hours, minutes, seconds] = /^fika-backup-(.{10})T(\d\d)-(\d\d)-(\d\d)Z/.exec(name)!;
  return Date.parse(`${date}T${hours}:${minutes}:${seconds}Z`);
}

/** Copies `dataDir` into a new directory under `targetParent`; see the module comment. */
export function backupDataDir(dataDir: string, targetParent: string, at = new Date()): BackupSummary {
  const source = path.join(dataDir, DATABASE_FILE);
  if (!fs.existsSync(source)) throw new BackupError(`There is no Fika database in ${dataDir}.`);
  const final = path.join(path.resolve(targetParent), backupName(at));
  const partial = `${final}${PARTIAL}`;
  if (fs.existsSync(final)) throw new BackupError(`${final} already exists.`);
  if (isInside(final, dataDir)) throw new BackupError('The backup must not go inside the data directory.');
  fs.rmSync(partial, { recursive: true, force: true });
  fs.mkdirSync(partial, { recursive: true });
  try {
    let journalBytes = 0;
    const journal = path.join(dataDir, JOURNAL_FILE);
    if (fs.existsSync(journal)) {
      fs.copyFileSync(journal, path.join(partial, JOURNAL_FILE));
      journalBytes = fs.statSync(path.join(partial, JOURNAL_FILE)).size;
    }

    const db = new Database(source, { fileMustExist: true });
    try {
      db.pragma('busy_timeout = 10000');
      db.prepare('VACUUM INTO ?').run(path.join(partial, DATABASE_FILE));
    } catch (err) {
      if (isUnreadableDatabase(err)) {
        throw new BackupError(`${source} is not a database Fika can read (${(err as Error).message}).`);
      }
      throw err;
    } finally {
      db.close();
    }

    const uploads = path.join(dataDir, UPLOADS_DIR);
    if (fs.existsSync(uploads)) {
      fs.mkdirSync(path.join(partial, UPLOADS_DIR));
      for (const entry of fs.readdirSync(uploads, { withFileTypes: true })) {
        // Uploads still arriving (`tmp/`) are not images yet.
        if (!entry.isFile()) continue;
        fs.copyFileSync(path.join(uploads, entry.name), path.join(partial, UPLOADS_DIR, entry.name));
      }
    }

    const counts = check(partial);
    fs.renameSync(partial, final);
    return { dir: final, ...counts, journalBytes, bytes: sizeOf(final) };
  } catch (err) {
    fs.rmSync(partial, { recursive: true, force: true });
    throw err;
  }
}

/** Checks the copied database, and which images it lists are not there whole. */
function check(dir: string): Pick<BackupSummary, 'rooms' | 'users' | 'images' | 'missingImages'> {
  const db = new Database(path.join(dir, DATABASE_FILE), { readonly: true, fileMustExist: true });
  try {
    const result = db.pragma('integrity_check', { simple: true });
    if (result !== 'ok') throw new BackupError(`The copied database failed its check: ${String(result)}`);
    const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
    const images = db.prepare('SELECT id, bytes FROM uploads').all() as { id: string; bytes: number }[];
    const missingImages = images
      .filter(({ id, bytes }) => {
        const file = path.join(dir, UPLOADS_DIR, id);
        return !fs.existsSync(file) || fs.statSync(file).size !== bytes;
      })
      .map(({ id }) => id);
    return {
      missingImages,
      rooms: count('SELECT COUNT(DISTINCT room) AS n FROM room_updates'),
      users: count('SELECT COUNT(*) AS n FROM users'),
      images: images.length
    };
  } finally {
    db.close();
  }
}

function isInside(child: string, parent: string): boolean {
  const relative = path.relative(path.resolve(parent), child);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

function sizeOf(dir: string): number {
  let total = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += fs.statSync(path.join(entry.parentPath, entry.name)).size;
  }
  return total;
}
