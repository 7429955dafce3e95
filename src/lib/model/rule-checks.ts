/**
 * What the rule sets that inspect an update struct by struct share (space-rules.ts,
 * doc-rules.ts): stopping at the first refusal, and finding the struct that holds an id.
 */
import * as Y from 'yjs';
// Types only: validation.ts imports the rule sets, which import this file.
import type { ValidationResult } from './validation';

/** Thrown inside a check to stop at the first refusal; `runCheck` turns it into the result. */
export class Refused extends Error {
  constructor(
    readonly code: string,
    message: string
  ) {
    super(message);
  }
}

export const stop = (code: string, message: string): never => {
  throw new Refused(code, message);
};

/** Runs a check that stops with `stop`; any other error is the caller's (the hook logs it). */
export function runCheck(check: () => ValidationResult): ValidationResult {
  try {
    return check();
  } catch (err) {
    if (err instanceof Refused) return { ok: false, error: err.code, message: err.message };
    throw err;
  }
}

/**
 * The struct holding `id`: in the server's copy when `id` is below `known` (the server's state
 * for that client), else among the update's new structs (`fresh`: per client, in clock order).
 */
export function findStruct<S extends Y.Item | Y.GC>(
  store: Y.Doc['store'],
  fresh: ReadonlyMap<number, readonly S[]>,
  id: { client: number; clock: number },
  known: number
): { struct: Y.Item | Y.GC; fresh: false } | { struct: S; fresh: true } | null {
  if (id.clock < known) {
    const structs = store.clients.get(id.client)!;
    return { struct: structs[Y.findIndexSS(structs, id.clock)] as Y.Item | Y.GC, fresh: false };
  }
  const list = fresh.get(id.client);
  if (!list) return null;
  let lo = 0;
  let hi = list.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const s = list[mid]!;
    if (id.clock < s.id.clock) hi = mid - 1;
    else if (id.clock >= s.id.clock + s.length) lo = mid + 1;
    else return { struct: s, fresh: true };
  }
  return null;
}
