/**
 * A person's own room, `user/<id>`: private to them, synced between their devices.
 *
 * Y.Doc shape (version 1):
 *   getText('note')   a personal note, plain text
 *
 * Later issues add read state, follows, drafts and notification state here.
 */
import type * as Y from 'yjs';

export const note = (doc: Y.Doc): Y.Text => doc.getText('note');

export function readNote(doc: Y.Doc): string {
  return note(doc).toString();
}

/**
 * Makes the note read `next`, changing only the part that differs (the common start and end are
 * kept), so that edits made meanwhile on another device outside that part survive the merge.
 */
export function writeNote(doc: Y.Doc, next: string): void {
  const text = note(doc);
  const current = text.toString();
  if (current === next) return;
  let start = 0;
  const max = Math.min(current.length, next.length);
  while (start < max && current.charCodeAt(start) === next.charCodeAt(start)) start++;
  let end = 0;
  while (
    end < max - start &&
    current.charCodeAt(current.length - 1 - end) === next.charCodeAt(next.length - 1 - end)
  ) {
    end++;
  }
  doc.transact(() => {
    const removed = current.length - start - end;
    if (removed > 0) text.delete(start, removed);
    const inserted = next.slice(start, next.length - end);
    if (inserted.length > 0) text.insert(start, inserted);
  });
}
