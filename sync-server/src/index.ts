/**
 * Start-up: `npm start` (or `npm run demo` for the seeded demo organisation on its own data dir);
 * `npm run backup -- <dir> [--keep <n>]` copies the data dir into a new directory under `<dir>`
 * (keeping only the newest n there) and exits.
 */
import { ConfigError, loadConfig } from './config';
import { createLogger } from './logger';
import { createServer } from './server';
import { DEMO_PASSWORD, DEMO_SIGN_INS, seedDemo, wipeDemoData } from './demo';
import { seedDemoContent } from './demo-content';
import { BackupError, backupDataDir, parseKeep, pruneBackups } from './backup';
import { DataDirInUseError, lockDataDir, type DataDirLock } from './data-lock';
import { DatabaseError } from './db';

async function main(): Promise<void> {
  const demo = process.argv.includes('--demo');
  let config;
  try {
    config = loadConfig(process.env, { demo });
  } catch (err) {
    if (err instanceof ConfigError) cannotStart(err.message);
    throw err;
  }
  const backupAt = process.argv.indexOf('--backup');
  if (backupAt >= 0) return backup(config.dataDir, process.argv.slice(backupAt + 1));
  const log = createLogger(config.logLevel);
  // Taken first: a second demo must not wipe the directory of one that is running.
  const dataLock = takeDataDir(config.dataDir);
  if (demo) {
    // The demo is wiped and seeded anew on each start.
    wipeDemoData(config.dataDir);
  }
  const server = await createServer({
    ...config,
    logger: log,
    dataLock,
    // The demo is seeded before the port opens: a sign-in as soon as it answers finds everyone.
    beforeListen: demo
      ? async (parts) => {
          await seedDemo(parts.org);
          seedDemoContent(parts);
        }
      : undefined
  }).catch((err: unknown) => startFailed(err, config.port));
  log.info({ port: server.port, dataDir: config.dataDir, demo }, `Fika is listening on port ${server.port}`);
  if (demo) {
    const lines = DEMO_SIGN_INS.map((s) => `  ${s.email.padEnd(22)} ${s.role.padEnd(7)} ${s.description}`);
    process.stdout.write(
      `\nFika demo: http://localhost:${server.port}\nSign in with password "${DEMO_PASSWORD}":\n${lines.join('\n')}\n\n`
    );
  } else if (server.org.userCount() === 0) {
    process.stdout.write(
      `\nFika has no account yet. Open http://localhost:${server.port} to set up the first (admin) account,\n` +
        `or: curl -X POST http://localhost:${server.port}/api/setup -H 'content-type: application/json' \\\n` +
        `  -d '{"organisation":"…","name":"…","email":"…","password":"…"}'\n\n`
    );
  }

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      }
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

/** A reason Fika cannot start that the person starting it can act on: one line, exit code 2. */
function cannotStart(message: string): never {
  console.error(`Fika cannot start: ${message}`);
  process.exit(2);
}

function takeDataDir(dataDir: string): DataDirLock {
  try {
    return lockDataDir(dataDir);
  } catch (err) {
    if (err instanceof DataDirInUseError) cannotStart(err.message);
    throw err;
  }
}

/** What stopped `createServer`, in one line when it is something to act on. */
function startFailed(err: unknown, port: number): never {
  if (err instanceof DatabaseError) cannotStart(err.message);
  const code = (err as { code?: string }).code;
  if (code === 'EADDRINUSE') cannotStart(`port ${port} is already in use. Set PORT to a free port.`);
  if (code === 'EACCES') cannotStart(`port ${port} may not be used by this user. Set PORT to another.`);
  throw err;
}

/**
 * `--backup <dir> [--keep <n>]`: one backup of the data dir, then (with `--keep`) only the newest
 * n backups in `<dir>` kept; a summary on stdout, exit code 2 when refused.
 */
function backup(dataDir: string, args: string[]): void {
  const [target, ...rest] = args;
  const usage = 'Usage: npm run backup -- <directory for backups> [--keep <number of backups to keep>]';
  if (
    !target ||
    target.startsWith('--') ||
    (rest.length > 0 && (rest.length !== 2 || rest[0] !== '--keep'))
  ) {
    console.error(usage);
    process.exit(2);
  }
  try {
    const keep = rest.length > 0 ? parseKeep(rest[1]) : null;
    const at = new Date();
    const done = backupDataDir(dataDir, target, at);
    const mib = (done.bytes / 1024 / 1024).toFixed(1);
    process.stdout.write(
      `Backup of ${dataDir} written to ${done.dir} (${mib} MiB): ${done.users} people, ` +
        `${done.rooms} rooms, ${done.images} images.\n` +
        `To restore: stop Fika, put the files of that directory in an empty FIKA_DATA_DIR, and start Fika.\n`
    );
    if (done.missingImages.length > 0) {
      console.error(
        `Warning: ${done.missingImages.length} images are listed but missing or incomplete in ${dataDir} ` +
          `itself, so not in the backup either: ${done.missingImages.join(', ')}`
      );
    }
    if (keep !== null) {
      const removed = pruneBackups(target, keep, { dir: done.dir, at });
      process.stdout.write(
        removed.length === 0
          ? `Nothing older removed (keeping the newest ${keep}).\n`
          : `Removed, keeping the newest ${keep}: ${removed.join(', ')}\n`
      );
    }
  } catch (err) {
    if (err instanceof BackupError) {
      console.error(`No backup made: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
