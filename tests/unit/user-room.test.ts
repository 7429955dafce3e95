import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { readNote, writeNote } from '../../src/lib/model/user-room';

function sync(a: Y.Doc, b: Y.Doc): void {
  Y.applyUpdate(b, Y.encodeStateAsUpdate(a, Y.encodeStateVector(b)));
  Y.applyUpdate(a, Y.encodeStateAsUpdate(b, Y.encodeStateVector(a)));
}

describe('personal note', () => {
  it('writes only the changed part', () => {
    const doc = new Y.Doc();
    writeNote(doc, 'buy milk');
    const updates: Uint8Array[] = [];
    doc.on('update', (u: Uint8Array) => updates.push(u));
    writeNote(doc, 'buy oat milk');
    expect(readNote(doc)).toBe('buy oat milk');
    expect(updates).toHaveLength(1);
    writeNote(doc, 'buy oat milk');
    expect(updates).toHaveLength(1); // unchanged text writes nothing
    writeNote(doc, 'oat');
    expect(readNote(doc)).toBe('oat');
    writeNote(doc, '');
    expect(readNote(doc)).toBe('');
  });

  it('keeps edits made on two devices at once in different places', () => {
    const phone = new Y.Doc();
    const laptop = new Y.Doc();
    writeNote(phone, 'Monday: meeting\nFriday: fika');
    sync(phone, laptop);
    writeNote(phone, 'Monday: meeting at 9\nFriday: fika');
    writeNote(laptop, 'Monday: meeting\nFriday: fika with cake');
    sync(phone, laptop);
    expect(readNote(phone)).toBe('Monday: meeting at 9\nFriday: fika with cake');
    expect(readNote(laptop)).toBe(readNote(phone));
  });

  it('handles repeated characters at the edges of the change', () => {
    const doc = new Y.Doc();
    writeNote(doc, 'aaa');
    writeNote(doc, 'aaaa');
    expect(readNote(doc)).toBe('aaaa');
    writeNote(doc, 'aa');
    expect(readNote(doc)).toBe('aa');
  });
});
