/**
 * `npm run backup`: a copy of a running server's data dir (database, journal, images) that
 * another server starts on with the same content: also the updates still in the journal, which
 * the database alone does not hold yet.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import {
  BackupError,
  backupDataDir,
  backupName,
  parseKeep,
  pruneBackups
} from '../../sync-server/src/backup';
import { DATABASE_FILE } from '../../sync-server/src/db';
import { allowWriters, defaultRules } from '../../src/lib/model/validation';
import { makePng } from '../support/images';
import { synced, tempDataDir, waitFor } from '../support/server';
import { testScope } from '../support/scope';

const scope = testScope();
const rules = { ...defaultRules, space: allowWriters };
const root = path.resolve(import.meta.dirname, '../..');

function backupsDir(): string {
  const dir = tempDataDir('fika-backups-');
  scope.defer(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('backup of the data directory', () => {
  it('copies a running server, journal included, and a server started on the copy has it all', async () => {
    // Updates stay in the journal for 10 s: the backup is taken while they are there.
    const s = await scope.server({ rules, journalDrainMs: 10_000 });
    const space = s.org.createSpace({
      name: 'Lager',
      kind: 'community',
      audience: 'everyone',
      postingPolicy: 'members'
    });
    const room = `space/${space.id}`;
    const { token } = s.addUser('sara');
    const png = makePng(5, 4);
    const uploaded = await fetch(`${s.url}/api/spaces/${space.id}/images`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'image/png' },
      body: new Uint8Array(png)
    });
    expect(uploaded.status).toBe(201);
    const { id: imageId } = (await uploaded.json()) as { id: string };

    const writer = scope.client(s, room, token);
    await synced(writer);
    writer.doc.getText('t').insert(0, 'Pallarna står i gång B.');
    writer.doc.getMap('m').set('skift', 'natt');
    // Relayed, so stored: in the journal, not yet in the database.
    const witness = scope.client(s, room, token);
    await waitFor(() => witness.doc.getMap('m').get('skift') === 'natt', 5000, 'the updates relayed');

    const summary = backupDataDir(s.config.dataDir, backupsDir());
    expect(path.basename(summary.dir)).toMatch(/^fika-backup-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ$/);
    expect(summary).toMatchObject({ images: 1, users: 1, missingImages: [] });
    expect(summary.journalBytes).toBeGreaterThan(0);
    expect(fs.readdirSync(summary.dir).sort()).toEqual(['fika.journal', 'fika.sqlite', 'uploads']);
    // The copied database alone lacks the room's updates: the journal carries them.
    const copy = new Database(path.join(summary.dir, 'fika.sqlite'), { readonly: true });
    expect(copy.prepare('SELECT COUNT(*) AS n FROM room_updates WHERE room = ?').get(room)).toEqual({ n: 0 });
    copy.close();

    const restored = await scope.server({ rules, dataDir: summary.dir });
    const reader = scope.client(restored, room, token);
    await synced(reader);
    expect(reader.doc.getText('t').toString()).toBe('Pallarna står i gång B.');
    expect(reader.doc.getMap('m').toJSON()).toEqual({ skift: 'natt' });
    const image = await fetch(`${restored.url}/api/uploads/${imageId}`, {
      headers: { authorization: `Bearer ${token}` }
    });
    expect(image.status).toBe(200);
    expect(Buffer.from(await image.arrayBuffer()).equals(png)).toBe(true);
  });

  it('is made all the same when an image is already gone from the data directory, and says which', async () => {
    const s = await scope.server();
    const space = s.org.createSpace({
      name: 'Lager',
      kind: 'community',
      audience: 'everyone',
      postingPolicy: 'members'
    });
    const { token } = s.addUser('sara');
    const uploaded = await fetch(`${s.url}/api/spaces/${space.id}/images`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'image/png' },
      body: new Uint8Array(makePng(3, 3))
    });
    const { id } = (await uploaded.json()) as { id: string };
    fs.rmSync(path.join(s.config.dataDir, 'uploads', id));
    const summary = backupDataDir(s.config.dataDir, backupsDir());
    expect(summary).toMatchObject({ images: 1, missingImages: [id] });
    expect(fs.existsSync(path.join(summary.dir, 'fika.sqlite'))).toBe(true);
  });

  it('refuses a missing database, a target inside the data dir and a name already taken', async () => {
    const s = await scope.server();
    const target = backupsDir();
    expect(() => backupDataDir(path.join(target, 'nothing-here'), target)).toThrow(BackupError);
    expect(() => backupDataDir(s.config.dataDir, path.join(s.config.dataDir, 'backups'))).toThrow(
      /inside the data directory/
    );
    const at = new Date('2026-11-27T15:04:05Z');
    expect(backupDataDir(s.config.dataDir, target, at).dir).toBe(path.join(target, backupName(at)));
    expect(() => backupDataDir(s.config.dataDir, target, at)).toThrow(/already exists/);
    // Nothing half-made is left behind.
    expect(fs.readdirSync(target)).toEqual(['fika-backup-2026-11-27T15-04-05Z']);
  });

  it('runs from the command line, with a clear message and exit code 2 when refused', async () => {
    const s = await scope.server();
    const target = backupsDir();
    const run = (dataDir: string, ...args: string[]) =>
      spawnSync(process.execPath, ['--import', 'tsx', 'sync-server/src/index.ts', ...args], {
        cwd: root,
        env: { ...process.env, FIKA_DATA_DIR: dataDir },
        encoding: 'utf8'
      });
    const done = run(s.config.dataDir, '--backup', target);
    expect(done.status, done.stderr).toBe(0);
    expect(done.stdout).toMatch(/written to .*fika-backup-.*: 0 people, 0 rooms, 0 images\./);
    const missing = run(path.join(target, 'none'), '--backup', target);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('No backup made: There is no Fika database in');
    const usage = run(s.config.dataDir, '--backup');
    expect(usage.status).toBe(2);
    expect(usage.stderr).toContain('Usage: npm run backup -- <directory for backups>');

    // A data directory whose database is not one: said so, and nothing half-made is left.
    const broken = path.join(target, 'broken');
    fs.mkdirSync(broken);
    fs.writeFileSync(path.join(broken, DATABASE_FILE), 'Not a database. '.repeat(50));
    const listed = fs.readdirSync(target).sort();
    const unreadable = run(broken, '--backup', target);
    expect(unreadable.status).toBe(2);
    expect(unreadable.stderr.trim()).toBe(
      `No backup made: ${path.join(broken, DATABASE_FILE)} is not a database Fika can read (file is not a database).`
    );
    expect(fs.readdirSync(target).sort()).toEqual(listed);
  });

  it('keeps only the newest backups with --keep, and leaves everything else in the directory alone', async () => {
    const s = await scope.server();
    const target = backupsDir();
    const older = ['2026-11-20T02-00-00Z', '2026-11-21T02-00-00Z', '2026-11-22T02-00-00Z'];
    for (const time of older) fs.mkdirSync(path.join(target, `fika-backup-${time}`));
    // Left by a backup interrupted days ago, and one perhaps still being made.
    fs.mkdirSync(path.join(target, 'fika-backup-2026-11-19T02-00-00Z.partial'));
    fs.mkdirSync(path.join(target, 'fika-backup-2026-11-22T23-00-00Z.partial'));
    fs.mkdirSync(path.join(target, 'notes'));
    fs.writeFileSync(path.join(target, 'fika-backup-2026-11-01T02-00-00Z'), 'a file, not a backup');

    const at = new Date('2026-11-23T02:00:00Z');
    const made = backupDataDir(s.config.dataDir, target, at);
    const removed = pruneBackups(target, 2, { dir: made.dir, at });
    expect(removed.map((dir) => path.basename(dir)).sort()).toEqual([
      'fika-backup-2026-11-19T02-00-00Z.partial',
      'fika-backup-2026-11-20T02-00-00Z',
      'fika-backup-2026-11-21T02-00-00Z'
    ]);
    expect(fs.readdirSync(target).sort()).toEqual([
      'fika-backup-2026-11-01T02-00-00Z',
      'fika-backup-2026-11-22T02-00-00Z',
      'fika-backup-2026-11-22T23-00-00Z.partial',
      'fika-backup-2026-11-23T02-00-00Z',
      'notes'
    ]);

    // A clock set back: the backup just made is kept although its name sorts first.
    const early = new Date('2026-11-10T02:00:00Z');
    const behind = backupDataDir(s.config.dataDir, target, early);
    pruneBackups(target, 1, { dir: behind.dir, at: early });
    expect(fs.readdirSync(target).sort()).toEqual([
      'fika-backup-2026-11-01T02-00-00Z',
      'fika-backup-2026-11-10T02-00-00Z',
      'fika-backup-2026-11-22T23-00-00Z.partial',
      'notes'
    ]);

    for (const bad of ['0', '-1', '2.5', 'seven', '', undefined])
      expect(() => parseKeep(bad)).toThrow(BackupError);
    expect(parseKeep('14')).toBe(14);
  });

  it('keeps the newest backups from the command line, and refuses a bad --keep before making one', async () => {
    const s = await scope.server();
    const target = backupsDir();
    const run = (...args: string[]) =>
      spawnSync(process.execPath, ['--import', 'tsx', 'sync-server/src/index.ts', '--backup', ...args], {
        cwd: root,
        env: { ...process.env, FIKA_DATA_DIR: s.config.dataDir },
        encoding: 'utf8'
      });
    for (const args of [
      ['--keep'],
      ['--keep', '0'],
      ['--keep', 'all'],
      ['--keep', '2', '--extra'],
      ['--kept', '2']
    ]) {
      const refused = run(target, ...args);
      expect(refused.status, args.join(' ')).toBe(2);
      expect(refused.stderr).toMatch(/Usage: npm run backup|--keep needs a whole number/);
    }
    expect(fs.readdirSync(target)).toEqual([]);

    fs.mkdirSync(path.join(target, 'fika-backup-2020-01-01T00-00-00Z'));
    fs.mkdirSync(path.join(target, 'fika-backup-2020-01-02T00-00-00Z'));
    const done = run(target, '--keep', '2');
    expect(done.status, done.stderr).toBe(0);
    expect(done.stdout).toContain(
      `Removed, keeping the newest 2: ${path.join(target, 'fika-backup-2020-01-01T00-00-00Z')}`
    );
    const left = fs.readdirSync(target).sort();
    expect(left).toHaveLength(2);
    expect(left[0]).toBe('fika-backup-2020-01-02T00-00-00Z');
    expect(fs.existsSync(path.join(target, left[1]!, DATABASE_FILE))).toBe(true);
  });
});
