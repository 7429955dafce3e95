/** Messages between the app and the search worker. */
import type { SearchAnswer, SearchRequest } from './types';

export type ToWorker =
  { kind: 'open'; userId: string } | { kind: 'search'; id: number; request: SearchRequest };

export type FromWorker =
  /** The persisted index is loaded: queries answer from now on. */
  | { kind: 'ready'; size: number }
  /** Items were indexed or removed: open results may want to ask again. */
  | { kind: 'changed'; size: number }
  /** Catching up with the local store (on the first start: everything) has begun or ended. */
  | { kind: 'indexing'; active: boolean }
  | { kind: 'answer'; id: number; answer: SearchAnswer }
  | { kind: 'failed'; id: number | null; message: string };
