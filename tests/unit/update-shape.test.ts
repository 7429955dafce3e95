/**
 * The shape check every client update passes before the room's rules (sync-server/src/update-shape.ts):
 * nothing a Yjs client makes is refused, and whatever it lets through applies and reads back.
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import * as encoding from 'lib0/encoding';
import { holdsNothingNew, newPart, updateFault } from '../../sync-server/src/update-shape';
import { damage, random } from '../support/damage';

/** One random edit of the kinds the app makes: map entries, text with formatting, lists, XML. */
function edit(doc: Y.Doc, pick: (n: number) => number): void {
  const text = doc.getText('t');
  const list = doc.getArray<unknown>('a');
  const map = doc.getMap<unknown>('m');
  const xml = doc.getXmlFragment('x');
  switch (pick(9)) {
    case 0:
      map.set(`k${pick(5)}`, { n: pick(100), s: 'värde' });
      break;
    case 1:
      if (map.size > 0) map.delete([...map.keys()][pick(map.size)]!);
      break;
    case 2:
      text.insert(pick(text.length + 1), 'hej ', pick(2) ? { bold: true } : undefined);
      break;
    case 3:
      if (text.length > 2) text.delete(pick(text.length - 1), 1 + pick(2));
      break;
    case 4:
      if (text.length > 2) text.format(pick(text.length - 1), 2, { italic: pick(2) ? true : null });
      break;
    case 5:
      list.insert(pick(list.length + 1), [pick(10), 'x']);
      break;
    case 6:
      if (list.length > 0) list.delete(pick(list.length), 1);
      break;
    case 7: {
      const nested = new Y.Map<unknown>();
      map.set(`nested${pick(3)}`, nested);
      nested.set('inner', new Y.Text('inre'));
      break;
    }
    default: {
      const p = new Y.XmlElement('p');
      p.setAttribute('class', `c${pick(3)}`);
      p.insert(0, [new Y.XmlText('stycke')]);
      xml.insert(pick(xml.length + 1), [p]);
    }
  }
}

/**
 * Three clients editing, undoing and exchanging updates in a random order; every update each
 * one sent, with the merged and whole-state updates a server and a reconnecting client send.
 */
function realUpdates(seed: number): { base: Uint8Array; updates: Uint8Array[] } {
  const pick = random(seed);
  const docs = [1, 2, 3].map((id) => {
    const doc = new Y.Doc();
    doc.clientID = id * 1000 + seed;
    return doc;
  });
  const sent: Uint8Array[][] = docs.map(() => []);
  docs.forEach((doc, i) =>
    doc.on('update', (u: Uint8Array, origin: unknown) => origin !== 'remote' && sent[i]!.push(u))
  );
  const undo = docs.map((doc) => new Y.UndoManager([doc.getText('t'), doc.getArray('a'), doc.getMap('m')]));
  const delivered = docs.map(() => docs.map(() => 0));
  for (let step = 0; step < 120; step++) {
    const i = pick(docs.length);
    const doc = docs[i]!;
    if (pick(8) === 0) undo[i]!.undo();
    else if (pick(10) === 0) undo[i]!.redo();
    else doc.transact(() => edit(doc, pick));
    // Now and then a client catches up with some other's updates.
    const to = pick(docs.length);
    const from = pick(docs.length);
    if (to !== from) {
      for (const u of sent[from]!.slice(delivered[to]![from])) Y.applyUpdate(docs[to]!, u, 'remote');
      delivered[to]![from] = sent[from]!.length;
    }
  }
  const all = sent.flat();
  const [a, b] = docs as [Y.Doc, Y.Doc];
  return {
    base: Y.encodeStateAsUpdate(a),
    updates: [
      ...all,
      Y.mergeUpdates(all),
      Y.encodeStateAsUpdate(b),
      Y.encodeStateAsUpdate(b, Y.encodeStateVector(a)),
      Y.diffUpdate(Y.mergeUpdates(sent[1]!), Y.encodeStateVector(a))
    ]
  };
}

function loaded(update: Uint8Array): Y.Doc {
  const doc = new Y.Doc();
  Y.applyUpdate(doc, update);
  return doc;
}

/** What a document holds, in a form to compare. */
function contents(doc: Y.Doc) {
  return {
    state: [...Y.decodeStateVector(Y.encodeStateVector(doc))].sort(([a], [b]) => a - b),
    map: doc.getMap('m').toJSON(),
    text: doc.getText('t').toDelta() as unknown,
    list: doc.getArray('a').toJSON(),
    xml: doc.getXmlFragment('x').toString()
  };
}

describe('update shape', () => {
  it('accepts every update that Yjs clients make', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const { base, updates } = realUpdates(seed);
      for (const u of [base, ...updates]) expect(updateFault(Y.decodeUpdate(u))).toBeNull();
    }
  });

  it('names what no Yjs client makes', () => {
    const doc = new Y.Doc();
    doc.clientID = 7;
    doc.getText('t').insert(0, 'abc');
    doc.getText('t').delete(1, 1);
    const decoded = Y.decodeUpdate(Y.encodeStateAsUpdate(doc));
    const item = decoded.structs[0] as Y.Item;
    expect(updateFault(decoded)).toBeNull();

    item.length = 0;
    expect(updateFault(decoded)).toBe('empty struct 7:0');
    item.length = 2 ** 53;
    expect(updateFault(decoded)).toBe('struct past the last clock 7:0');
    item.length = 1;
    item.origin = Y.createID(7, 0);
    expect(updateFault(decoded)).toBe('origin after 7:0');
    item.origin = Y.createID(8, 5);
    item.rightOrigin = Y.createID(7, 3);
    expect(updateFault(decoded)).toBe('right origin after 7:0');
    item.rightOrigin = null;
    const parent = item.parent;
    item.parent = Y.createID(7, 1);
    expect(updateFault(decoded)).toBe('parent after 7:0');
    item.parent = parent;
    const deletion = decoded.ds.clients.get(7)![0]!;
    deletion.len = 0;
    expect(updateFault(decoded)).toBe('empty deletion 7:1');
    deletion.len = Number.MAX_SAFE_INTEGER;
    expect(updateFault(decoded)).toBe('deletion past the last clock 7:1');
  });

  it('refuses a client named in two blocks, which Yjs would apply only the last of', () => {
    // Yjs writes each client's structs in one block. A crafted update may name a client twice:
    // `Y.decodeUpdate` (what the rules judge) yields both blocks, `Y.applyUpdate` keeps the last.
    const blocks = (list: Array<[number, Y.Item]>): Uint8Array => {
      const encoder = new Y.UpdateEncoderV1();
      encoding.writeVarUint(encoder.restEncoder, list.length);
      for (const [client, item] of list) {
        encoding.writeVarUint(encoder.restEncoder, 1);
        encoder.writeClient(client);
        encoding.writeVarUint(encoder.restEncoder, item.id.clock);
        item.write(encoder, 0);
      }
      encoding.writeVarUint(encoder.restEncoder, 0);
      return encoder.toUint8Array();
    };
    // A root type's name stands where Yjs keeps the parent when it encodes an item at the top.
    const item = (
      client: number,
      root: string,
      key: string | null,
      content: Y.ContentAny | Y.ContentString
    ) => new Y.Item(Y.createID(client, 0), null, null, null, null, root as unknown as Y.ID, key, content);
    const own = item(4242, 'm', 'mine', new Y.ContentAny([1, 2, 3]));
    const other = item(4242, 't', null, new Y.ContentString('x'));
    const between = item(99, 'm', 'theirs', new Y.ContentAny([4]));

    const twice = blocks([
      [4242, own],
      [4242, other]
    ]);
    expect(Y.decodeUpdate(twice).structs).toHaveLength(2);
    // What the room would take is only the second block.
    const applied = new Y.Doc();
    Y.applyUpdate(applied, twice);
    expect([applied.getMap('m').size, applied.getText('t').toString()]).toEqual([0, 'x']);
    expect(updateFault(Y.decodeUpdate(twice))).toBe('struct out of order 4242:0');

    const apart = blocks([
      [4242, own],
      [99, between],
      [4242, other]
    ]);
    expect(updateFault(Y.decodeUpdate(apart))).toBe('client 4242 in two blocks');
    expect(updateFault(Y.decodeUpdate(blocks([[4242, own]])))).toBeNull();
  });

  it('lets through only damaged updates that still apply, read back and load as they were', () => {
    const pick = random(2026);
    const sources = [1, 2, 3].map((seed) => realUpdates(seed));
    const donors = sources.flatMap((s) => s.updates);
    let decodable = 0;
    let passed = 0;
    const broken: string[] = [];
    for (let i = 0; i < 4000; i++) {
      const { base, updates } = sources[pick(sources.length)]!;
      const damaged = damage(updates[pick(updates.length)]!, donors, pick);
      let decoded;
      try {
        decoded = Y.decodeUpdate(damaged);
      } catch {
        continue;
      }
      decodable++;
      if (updateFault(decoded) !== null) continue;
      passed++;
      // What the server does with an update it accepts: apply its new part to the room, store
      // that, hand the whole state to a new client or a compaction, and load the stored rows
      // after a restart, which must give the same document.
      let stage = 'apply';
      try {
        const room = new Y.Doc();
        Y.applyUpdate(room, base);
        const fresh = holdsNothingNew(room, decoded) ? null : newPart(room, damaged, decoded);
        if (fresh !== null) Y.applyUpdate(room, fresh);
        stage = 'send the whole state';
        const whole = Y.encodeStateAsUpdate(room);
        stage = 'read the whole state';
        Y.applyUpdate(new Y.Doc(), whole);
        stage = 'send what a client lacks';
        const behind = new Y.Doc();
        Y.applyUpdate(behind, base);
        Y.applyUpdate(behind, Y.encodeStateAsUpdate(room, Y.encodeStateVector(behind)));
        stage = 'load the stored rows';
        const loaded = new Y.Doc();
        Y.applyUpdate(loaded, Y.mergeUpdates(fresh === null ? [base] : [base, fresh]));
        stage = 'compare the loaded rows';
        expect(contents(loaded)).toEqual(contents(room));
      } catch (err) {
        broken.push(`${stage}: ${(err as Error).message} (${Buffer.from(damaged).toString('base64')})`);
      }
    }
    expect(broken).toEqual([]);
    // The damage was varied enough to reach Yjs: a fair share decoded, and most of that passed.
    expect(decodable).toBeGreaterThan(400);
    expect(passed).toBeGreaterThan(decodable / 2);
  });

  it('tells an update that would change nothing from one that would', () => {
    // The answer of a client that has just been sent the room carries back the room's delete set.
    const room = new Y.Doc();
    room.getMap('signals').set('at', 1);
    room.getMap('signals').set('at', 2);
    room.getText('t').insert(0, 'hello world');
    room.getText('t').delete(0, 6);
    const copy = new Y.Doc();
    Y.applyUpdate(copy, Y.encodeStateAsUpdate(room));
    const answer = Y.encodeStateAsUpdate(copy, Y.encodeStateVector(room));
    expect(Y.decodeUpdate(answer).ds.clients.size).toBeGreaterThan(0);
    expect(holdsNothingNew(room, Y.decodeUpdate(answer))).toBe(true);
    // A new deletion, a new struct, a deletion of what the room does not have yet: each is new.
    const edits: Uint8Array[] = [];
    copy.on('update', (u: Uint8Array) => edits.push(u));
    copy.getText('t').delete(0, 1);
    copy.getMap('signals').set('at', 3);
    const ahead = new Y.Doc();
    ahead.getText('t').insert(0, 'x');
    const later = new Y.Doc();
    Y.applyUpdate(later, Y.encodeStateAsUpdate(ahead));
    later.getText('t').delete(0, 1);
    const deletionAhead = Y.encodeStateAsUpdate(later, Y.encodeStateVector(ahead));
    for (const u of [...edits, deletionAhead]) expect(holdsNothingNew(room, Y.decodeUpdate(u))).toBe(false);

    // Whatever it calls nothing new changes nothing when applied, over the random clients' updates.
    let nothing = 0;
    let something = 0;
    for (const seed of [1, 2, 3, 4, 5]) {
      const { base, updates } = realUpdates(seed);
      for (const u of [...updates, Y.encodeStateAsUpdate(loaded(base), Y.encodeStateVector(loaded(base)))]) {
        const doc = loaded(base);
        const state = () =>
          Buffer.concat([
            Y.encodeSnapshot(Y.snapshot(doc)),
            doc.store.pendingStructs?.update ?? new Uint8Array(),
            doc.store.pendingDs ?? new Uint8Array()
          ]);
        const before = state();
        const said = holdsNothingNew(doc, Y.decodeUpdate(u));
        Y.applyUpdate(doc, u);
        if (said) {
          expect(state().equals(before)).toBe(true);
          nothing++;
        } else something++;
      }
    }
    expect(nothing).toBeGreaterThan(20);
    expect(something).toBeGreaterThan(20);
  });
});
