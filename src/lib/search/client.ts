/**
 * The app's side of search: one worker per signed-in person, started on first use, and a
 * promise per query. Small on purpose (no Lunr here): Lunr, the stemmers and the indexes load in
 * the worker's own chunk.
 */
import type { FromWorker, ToWorker } from './protocol';
import type { SearchAnswer, SearchRequest } from './types';

export interface SearchClient {
  readonly userId: string;
  /** Resolves once queries answer from the persisted index. */
  readonly ready: Promise<void>;
  search(request: SearchRequest): Promise<SearchAnswer>;
  /** Whether the worker is still catching up with the local store (answers may lack items). */
  readonly indexing: boolean;
  /** Calls `listener` whenever the index or `indexing` changed; returns the unsubscribe. */
  onChange(listener: () => void): () => void;
  close(): void;
}

function createClient(userId: string): SearchClient {
  const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'search' });
  const pending = new Map<number, { resolve: (a: SearchAnswer) => void; reject: (e: Error) => void }>();
  const listeners = new Set<() => void>();
  let nextId = 1;
  let indexing = true;
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  const send = (message: ToWorker) => worker.postMessage(message);

  worker.onmessage = (event: MessageEvent<FromWorker>) => {
    const message = event.data;
    if (message.kind === 'ready') markReady();
    else if (message.kind === 'changed' || message.kind === 'indexing') {
      if (message.kind === 'indexing') indexing = message.active;
      for (const listener of listeners) listener();
    } else if (message.kind === 'answer') {
      pending.get(message.id)?.resolve(message.answer);
      pending.delete(message.id);
    } else if (message.kind === 'failed') {
      if (message.id === null) console.error('search: the index could not be opened', message.message);
      else {
        pending.get(message.id)?.reject(new Error(message.message));
        pending.delete(message.id);
      }
    }
  };
  send({ kind: 'open', userId });

  return {
    userId,
    ready,
    get indexing() {
      return indexing;
    },
    search(request) {
      const id = nextId++;
      return new Promise<SearchAnswer>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        send({ kind: 'search', id, request });
      });
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close() {
      worker.terminate();
      for (const p of pending.values()) p.reject(new Error('search closed'));
      pending.clear();
      listeners.clear();
    }
  };
}

let current: SearchClient | null = null;

/** The search of the signed-in person, started on first use. */
export function searchFor(userId: string): SearchClient {
  if (current?.userId !== userId) {
    current?.close();
    current = createClient(userId);
  }
  return current;
}

/** Stops the worker (sign-out, another person signs in): it holds the person's database open. */
export function closeSearch(): void {
  current?.close();
  current = null;
}
