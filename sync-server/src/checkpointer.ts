/**
 * WAL checkpoints off the event loop.
 *
 * SQLite copies the write-ahead log back into the database file (a checkpoint) from inside
 * whichever commit crosses the threshold, and that commit then waits for the copy and its
 * fsync: every few seconds one relay would stall for as long as the disk takes. Instead, the
 * main connection never checkpoints (`wal_autocheckpoint = 0`) and a worker thread with its own
 * connection runs a PASSIVE checkpoint every interval, which never blocks the writer.
 */
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Db } from './db';
import type { Logger } from './logger';

// Plain JavaScript, so the worker needs no TypeScript loader.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 5000');
const checkpoint = (mode) => {
  try {
    const [row] = db.pragma('wal_checkpoint(' + mode + ')');
    parentPort.postMessage({ type: 'checkpoint', row });
  } catch (err) {
    parentPort.postMessage({ type: 'error', message: String(err && err.message || err) });
  }
};
const timer = setInterval(() => checkpoint('PASSIVE'), workerData.intervalMs);
parentPort.on('message', (msg) => {
  if (msg === 'close') {
    clearInterval(timer);
    db.close();
    parentPort.postMessage({ type: 'closed' });
  }
});
`;

export class Checkpointer {
  private readonly worker: Worker;
  private closed: Promise<void> | null = null;

  constructor(db: Db, intervalMs: number, log: Logger) {
    db.pragma('wal_autocheckpoint = 0');
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(WORKER, {
      eval: true,
      workerData: { file: path.resolve(db.name), driver, intervalMs }
    });
    this.worker.unref();
    this.worker.on('message', (msg: { type: string; message?: string }) => {
      if (msg.type === 'error') log.warn({ error: msg.message }, 'WAL checkpoint failed; retried later');
    });
    this.worker.on('error', (err) => log.error({ err }, 'WAL checkpoint worker failed'));
  }

  /** Stops the worker; the main connection's close then checkpoints what is left. */
  close(): Promise<void> {
    this.closed ??= new Promise<void>((resolve) => {
      const done = () => resolve();
      this.worker.once('exit', done);
      this.worker.on('message', (msg: { type: string }) => {
        if (msg.type === 'closed') void this.worker.terminate().then(done, done);
      });
      this.worker.postMessage('close');
      setTimeout(() => void this.worker.terminate().then(done, done), 2000).unref();
    });
    return this.closed;
  }
}
