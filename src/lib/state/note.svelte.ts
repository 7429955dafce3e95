/**
 * The personal note ("My note" on the home page) as reactive state, bound to the person's own
 * room, so it is saved as they type and follows edits from their other devices.
 *
 * `ready` is false until the room's document is loaded from this device's store (quickly, with
 * or without a network): until then there is nothing to show or to edit.
 */
import type * as Y from 'yjs';
import { note, readNote, writeNote } from '../model/user-room';
import type { SyncEngine } from '../sync/engine';

export class NoteState {
  text = $state('');
  ready = $state(false);
  #doc: Y.Doc | null = null;

  /** Follows `doc`'s note until the returned function is called. */
  attach(doc: Y.Doc): () => void {
    const text = note(doc);
    const refresh = () => {
      this.text = readNote(doc);
    };
    this.#doc = doc;
    refresh();
    this.ready = true;
    text.observe(refresh);
    return () => {
      text.unobserve(refresh);
      if (this.#doc === doc) {
        this.#doc = null;
        this.ready = false;
      }
    };
  }

  /** Writes the note (only the part that changed, so edits elsewhere merge). */
  set(text: string): void {
    if (!this.#doc) return;
    this.text = text;
    writeNote(this.#doc, text);
  }
}

/**
 * The note of whoever `session` has signed in, for a component: call it during component
 * initialisation (like `live()`); it binds when the sync layer is up and lets go on unmount.
 */
export function noteFor(session: { readonly sync: SyncEngine | null }): NoteState {
  const state = new NoteState();
  $effect(() => {
    const engine = session.sync;
    if (!engine) return;
    let detach: (() => void) | null = null;
    let cancelled = false;
    engine.userDoc().then(
      (doc) => {
        if (!cancelled) detach = state.attach(doc);
      },
      (err: unknown) => {
        if (!cancelled) console.error('note: the personal room could not be loaded', err);
      }
    );
    return () => {
      cancelled = true;
      detach?.();
    };
  });
  return state;
}
