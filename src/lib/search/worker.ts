/**
 * The search worker: owns the person's index (indexer.ts) off the main thread. It opens the same
 * local database as the app (the plain view; it only reads rows and stored Yjs updates) and
 * hears of every write through Dexie's `storagemutated` event, which Dexie relays between the
 * tabs and workers of an origin over a BroadcastChannel.
 */
/// <reference lib="webworker" />
import Dexie from 'dexie';
import { openUserDb } from '../data/db';
import { contributors } from './contributors';
import { SearchIndexer } from './indexer';
import type { FromWorker, ToWorker } from './protocol';
import { SearchStore } from './store';

const scope = self as unknown as DedicatedWorkerGlobalScope;
const post = (message: FromWorker) => scope.postMessage(message);

let indexer: SearchIndexer | null = null;
const waiting: Extract<ToWorker, { kind: 'search' }>[] = [];

function answer(message: Extract<ToWorker, { kind: 'search' }>): void {
  try {
    post({ kind: 'answer', id: message.id, answer: indexer!.search(message.request) });
  } catch (err) {
    post({ kind: 'failed', id: message.id, message: String(err) });
  }
}

/** The tables of `dbName` that a `storagemutated` report names (`idb://<db>/<table>/…`); null: all. */
function tablesOf(parts: Record<string, unknown>, dbName: string): Set<string> | null {
  const tables = new Set<string>();
  for (const key of Object.keys(parts)) {
    if (key === 'all') return null;
    if (!key.startsWith(`idb://${dbName}/`)) continue;
    const table = key.slice(`idb://${dbName}/`.length).split('/')[0];
    if (table) tables.add(table);
  }
  return tables;
}

async function open(userId: string): Promise<void> {
  const db = openUserDb(userId);
  const store = new SearchStore(userId);
  const opened = await SearchIndexer.open(db, store, contributors, {
    onChange: () => post({ kind: 'changed', size: opened.size })
  });
  indexer = opened;
  post({ kind: 'ready', size: opened.size });
  for (const message of waiting.splice(0)) answer(message);
  Dexie.on('storagemutated', (parts: Record<string, unknown>) => {
    const tables = tablesOf(parts, db.name);
    opened.changed(tables ?? contributors.flatMap((c) => c.tables));
  });
  post({ kind: 'indexing', active: true });
  try {
    await opened.catchUp();
  } finally {
    post({ kind: 'indexing', active: false });
  }
}

scope.onmessage = (event: MessageEvent<ToWorker>) => {
  const message = event.data;
  if (message.kind === 'open') {
    open(message.userId).catch((err: unknown) => post({ kind: 'failed', id: null, message: String(err) }));
  } else if (message.kind === 'search') {
    if (indexer) answer(message);
    else waiting.push(message);
  }
};
