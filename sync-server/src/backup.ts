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

/** Copies `dataDir` into a new directory under `targetParent`; see the module comment. */
export function backupDataDir(dataDir: string, targetParent: string, at = new Date()): BackupSummary {
  const source = path.join(dataDir, DATABASE_FILE);
  if (!fs.existsSync(source)) throw new BackupError(`There is no Fika database in ${dataDir}.`);
  const final = path.join(path.resolve(targetParent), backupName(at));
  const partial = `${final}.partial`;
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
