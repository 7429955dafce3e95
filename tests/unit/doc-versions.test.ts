/**
 * Named versions, restore, read confirmations and the document room's rule, with real Y.Docs
 * exchanging updates as devices and the server do.
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import * as encoding from 'lib0/encoding';
import { body, readMeta, setMeta } from '../../src/lib/model/doc-room';
import {
  needsConfirmation,
  publishVersion,
  readVersions,
  recordConfirmation,
  requiredVersion,
  restoreVersion,
  versionDoc,
  versionsOf
} from '../../src/lib/model/doc-versions';
import { blocksOf, diffBlocks, diffWords } from '../../src/lib/model/doc-diff';
import { parseRoomName } from '../../src/lib/model/rooms';
import { defaultRules, type ValidationResult } from '../../src/lib/model/validation';

const historyDoc = () => new Y.Doc({ gc: false });

function paragraph(text: string): Y.XmlElement {
  const p = new Y.XmlElement('paragraph');
  p.insert(0, [new Y.XmlText(text)]);
  return p;
}

function setParagraphs(doc: Y.Doc, texts: string[]): void {
  doc.transact(() => {
    const b = body(doc);
    if (b.length > 0) b.delete(0, b.length);
    b.insert(0, texts.map(paragraph));
  });
}

const textsOf = (fragment: Y.XmlFragment) => blocksOf(fragment).map((b) => b.text);

function sync(a: Y.Doc, b: Y.Doc): void {
  Y.applyUpdate(b, Y.encodeStateAsUpdate(a, Y.encodeStateVector(b)));
  Y.applyUpdate(a, Y.encodeStateAsUpdate(b, Y.encodeStateVector(a)));
}

describe('named versions', () => {
  it('keeps the text of each published version, whatever changes after it', () => {
    const doc = historyDoc();
    setParagraphs(doc, ['Vacation is 25 days.', 'Ask your manager.']);
    const first = publishVersion(
      doc,
      { name: '2025', note: 'First', requiresConfirmation: false },
      'astrid',
      1
    );
    setParagraphs(doc, ['Vacation is 27 days.']);
    const second = publishVersion(doc, { name: '2026', requiresConfirmation: true }, 'astrid', 2);
    body(doc).insert(1, [paragraph('Plan it before April.')]);

    expect(readVersions(doc).map((v) => [v.name, v.note, v.requiresConfirmation])).toEqual([
      ['2025', 'First', false],
      ['2026', '', true]
    ]);
    expect(textsOf(body(versionDoc(doc, first)))).toEqual(['Vacation is 25 days.', 'Ask your manager.']);
    expect(textsOf(body(versionDoc(doc, second)))).toEqual(['Vacation is 27 days.']);
    expect(readMeta(doc).status).toBe('published');
  });

  it('rebuilds a version on another device from the synced history', () => {
    const laptop = historyDoc();
    setParagraphs(laptop, ['One.']);
    const v = publishVersion(laptop, { name: 'v1', requiresConfirmation: false }, 'astrid', 1);
    setParagraphs(laptop, ['Two.']);
    const phone = historyDoc();
    Y.applyUpdate(phone, Y.encodeStateAsUpdate(laptop));
    expect(textsOf(body(versionDoc(phone, readVersions(phone)[0]!)))).toEqual(['One.']);
    expect(readVersions(phone)[0]!.id).toBe(v.id);
  });

  it('refuses to publish on a copy that drops history', () => {
    expect(() => publishVersion(new Y.Doc(), { name: 'v1', requiresConfirmation: false }, 'a', 1)).toThrow(
      /gc/
    );
  });

  it('restores a version as a new change on top, keeping every version and recording the restore', () => {
    const doc = historyDoc();
    setParagraphs(doc, ['Old rule.']);
    const v1 = publishVersion(doc, { name: 'v1', requiresConfirmation: false }, 'astrid', 1);
    setParagraphs(doc, ['New rule.', 'Extra.']);
    const v2 = publishVersion(doc, { name: 'v2', requiresConfirmation: false }, 'astrid', 2);
    const other = historyDoc();
    Y.applyUpdate(other, Y.encodeStateAsUpdate(doc));

    const record = restoreVersion(doc, v1, 'sara', 3);
    expect(textsOf(body(doc))).toEqual(['Old rule.']);
    expect(record.restoredFrom).toBe(v1.id);
    expect(readVersions(doc).map((v) => v.id)).toEqual([v1.id, v2.id, record.id]);
    // The versions published before are untouched, and the restore is a version of its own.
    expect(textsOf(body(versionDoc(doc, v2)))).toEqual(['New rule.', 'Extra.']);
    expect(textsOf(body(versionDoc(doc, record)))).toEqual(['Old rule.']);
    expect(readMeta(doc).updatedBy).toBe('sara');

    // Meanwhile another device edited: both changes survive the merge.
    body(other).insert(2, [paragraph('Concurrent.')]);
    sync(doc, other);
    expect(textsOf(body(doc))).toEqual(textsOf(body(other)));
    expect(textsOf(body(doc))).toContain('Concurrent.');
    expect(textsOf(body(doc))).toContain('Old rule.');
  });

  it('keeps formatting and structure when restoring', () => {
    const doc = historyDoc();
    const heading = new Y.XmlElement('heading');
    heading.setAttribute('level', 2 as unknown as string);
    const text = new Y.XmlText();
    text.insert(0, 'Bold', { bold: {} });
    heading.insert(0, [text]);
    body(doc).insert(0, [heading]);
    const v = publishVersion(doc, { name: 'v1', requiresConfirmation: false }, 'a', 1);
    setParagraphs(doc, ['gone']);
    restoreVersion(doc, v, 'a', 2);
    const restored = body(doc).get(0) as Y.XmlElement;
    expect(restored.nodeName).toBe('heading');
    expect(restored.getAttribute('level')).toBe(2);
    expect((restored.get(0) as Y.XmlText).toDelta()).toEqual([{ insert: 'Bold', attributes: { bold: {} } }]);
  });
});

describe('read confirmations', () => {
  it('asks for the newest version that requires it, and asks again after a new one', () => {
    const doc = historyDoc();
    setParagraphs(doc, ['Rules.']);
    expect(requiredVersion(doc)).toBeNull();
    publishVersion(doc, { name: 'draft-ish', requiresConfirmation: false }, 'erik', 1);
    expect(requiredVersion(doc)).toBeNull();
    const v1 = publishVersion(doc, { name: 'v1', requiresConfirmation: true }, 'erik', 2);
    expect(requiredVersion(doc)?.id).toBe(v1.id);
    expect(needsConfirmation(doc, 'sara')?.id).toBe(v1.id);

    recordConfirmation(doc, 'sara', v1.id, 3);
    expect(needsConfirmation(doc, 'sara')).toBeNull();
    expect(needsConfirmation(doc, 'nils')?.id).toBe(v1.id);

    // A small correction without asking does not ask again.
    publishVersion(doc, { name: 'v1.1', requiresConfirmation: false }, 'erik', 4);
    expect(needsConfirmation(doc, 'sara')).toBeNull();

    // A new version that asks: Sara's confirmation of v1 no longer counts.
    const v2 = publishVersion(doc, { name: 'v2', requiresConfirmation: true }, 'erik', 5);
    expect(needsConfirmation(doc, 'sara')?.id).toBe(v2.id);
    // A restore is not a version anyone is asked to confirm.
    restoreVersion(doc, v1, 'erik', 6);
    expect(requiredVersion(doc)?.id).toBe(v2.id);
  });

  it('asks nothing of a draft or once the document no longer requires it', () => {
    const doc = historyDoc();
    publishVersion(doc, { name: 'v1', requiresConfirmation: true }, 'erik', 1);
    setMeta(doc, { requiresConfirmation: false }, 'erik', 2);
    expect(requiredVersion(doc)).toBeNull();
    setMeta(doc, { requiresConfirmation: true, status: 'draft' }, 'erik', 3);
    expect(requiredVersion(doc)).toBeNull();
  });
});

describe('differences', () => {
  it('marks added and removed words within a changed block', () => {
    expect(diffWords('Vacation is 25 days.', 'Vacation is 27 days now.')).toEqual([
      { op: 'same', text: 'Vacation is ' },
      { op: 'removed', text: '25 days.' },
      { op: 'added', text: '27 days now.' }
    ]);
  });

  it('lists added, removed and changed blocks between a version and the current text', () => {
    const before = [
      { kind: 'heading', text: 'Title' },
      { kind: 'paragraph', text: 'Keep this.' },
      { kind: 'paragraph', text: 'Drop this.' },
      { kind: 'paragraph', text: 'Change this one.' }
    ];
    const after = [
      { kind: 'heading', text: 'Title' },
      { kind: 'paragraph', text: 'New first.' },
      { kind: 'paragraph', text: 'Keep this.' },
      { kind: 'paragraph', text: 'Change that one.' }
    ];
    const ops = diffBlocks(before, after).map((c) => [c.op, c.block.text]);
    expect(ops).toEqual([
      ['same', 'Title'],
      ['added', 'New first.'],
      ['same', 'Keep this.'],
      ['removed', 'Drop this.'],
      ['changed', 'Change that one.']
    ]);
    const changed = diffBlocks(before, after).find((c) => c.op === 'changed');
    expect(changed && 'pieces' in changed ? changed.pieces : []).toContainEqual({
      op: 'removed',
      text: 'this '
    });
    expect(diffBlocks(before, before).every((c) => c.op === 'same')).toBe(true);
  });

  it('reads the text blocks of a body in order, lists and formatting included', () => {
    const doc = historyDoc();
    const list = new Y.XmlElement('bulletList');
    const item = new Y.XmlElement('listItem');
    item.insert(0, [paragraph('Item')]);
    list.insert(0, [item]);
    const text = new Y.XmlText();
    text.insert(0, 'Bold', { bold: {} });
    text.insert(4, ' plain');
    const p = new Y.XmlElement('paragraph');
    p.insert(0, [text]);
    body(doc).insert(0, [p, list]);
    expect(blocksOf(body(doc))).toEqual([
      { kind: 'paragraph', text: 'Bold plain' },
      { kind: 'paragraph', text: 'Item' }
    ]);
  });
});

describe('the document room rule', () => {
  const room = parseRoomName('doc/rules')!;
  const send = (server: Y.Doc, update: Uint8Array): ValidationResult => {
    const result = defaultRules.doc({
      user: { id: 'erik', role: 'editor' },
      room,
      access: 'write',
      doc: server,
      update,
      decoded: Y.decodeUpdate(update),
      ownerOf: () => null,
      space: null
    });
    if (result.ok) Y.applyUpdate(server, update);
    return result;
  };
  const changeOf = (device: Y.Doc, fn: () => void): Uint8Array => {
    const before = Y.encodeStateVector(device);
    fn();
    return Y.encodeStateAsUpdate(device, before);
  };

  function setUp(): { server: Y.Doc; device: Y.Doc } {
    const server = historyDoc();
    recordConfirmation(server, 'sara', 'v', 1);
    const device = historyDoc();
    Y.applyUpdate(device, Y.encodeStateAsUpdate(server));
    return { server, device };
  }

  it('lets writers edit the text and publish versions', () => {
    const { server, device } = setUp();
    expect(
      send(
        server,
        changeOf(device, () => setParagraphs(device, ['Hello']))
      )
    ).toEqual({ ok: true });
    const update = changeOf(device, () =>
      publishVersion(device, { name: 'v1', requiresConfirmation: true }, 'erik', 1)
    );
    expect(send(server, update)).toEqual({ ok: true });
    expect(readVersions(server)).toHaveLength(1);
    expect(
      send(
        server,
        changeOf(device, () => body(device).insert(1, [paragraph('More')]))
      )
    ).toEqual({ ok: true });
  });

  it('refuses a writer recording, overwriting or removing a confirmation', () => {
    const { server, device } = setUp();
    const forged = changeOf(device, () => recordConfirmation(device, 'nils', 'v', 2));
    expect(send(server, forged)).toMatchObject({ ok: false, error: 'server-only' });
    const fresh = historyDoc();
    Y.applyUpdate(fresh, Y.encodeStateAsUpdate(server));
    expect(
      send(
        server,
        changeOf(fresh, () => recordConfirmation(fresh, 'sara', 'x', 3))
      )
    ).toMatchObject({
      ok: false,
      error: 'server-only'
    });
    const removal = changeOf(fresh, () => fresh.getMap('confirmations').delete('sara'));
    expect(send(server, removal)).toMatchObject({ ok: false, error: 'server-only' });
  });

  it('places a change that starts inside what the server has where Yjs applies it', () => {
    const { server, device } = setUp();
    expect(
      send(
        server,
        changeOf(device, () => setMeta(device, { title: 'Rutiner' }, 'erik', 1))
      )
    ).toEqual({ ok: true });
    // The server's last change is Sara's confirmation. A struct of the server's own client that
    // starts at that change, with its origin in the metadata: Yjs applies only its new part, and
    // places it right after the confirmation, so it would overwrite it.
    const serverClient = server.clientID;
    const confirmation = Y.getState(server.store, serverClient) - 1;
    const title = (server.getMap('meta') as unknown as { _map: Map<string, Y.Item> })._map
      .values()
      .next().value!;
    const crafted = new Y.Item(
      Y.createID(serverClient, confirmation),
      null,
      title.lastId,
      null,
      null,
      null,
      null,
      new Y.ContentAny(['overlap', { versionId: 'forged', at: 9 }])
    );
    const encoder = new Y.UpdateEncoderV1();
    encoding.writeVarUint(encoder.restEncoder, 1);
    encoding.writeVarUint(encoder.restEncoder, 1);
    encoder.writeClient(serverClient);
    encoding.writeVarUint(encoder.restEncoder, confirmation);
    crafted.write(encoder, 0);
    encoding.writeVarUint(encoder.restEncoder, 0);
    expect(send(server, encoder.toUint8Array())).toMatchObject({ ok: false, error: 'server-only' });
    expect(server.getMap('confirmations').toJSON()).toEqual({ sara: { versionId: 'v', at: 1 } });
  });

  it('refuses removing a version or adding one without a snapshot', () => {
    const { server, device } = setUp();
    send(
      server,
      changeOf(device, () => publishVersion(device, { name: 'v1', requiresConfirmation: false }, 'erik', 1))
    );
    expect(
      send(
        server,
        changeOf(device, () => versionsOf(device).delete(0, 1))
      )
    ).toMatchObject({
      ok: false,
      error: 'history'
    });
    const other = historyDoc();
    Y.applyUpdate(other, Y.encodeStateAsUpdate(server));
    expect(
      send(
        server,
        changeOf(other, () => versionsOf(other).push([{ id: 'x', name: 'fake' }]))
      )
    ).toMatchObject({
      ok: false,
      error: 'bad-version'
    });
  });

  it('lets through, as Yjs discards it, a change next to content a room stored before kept history', () => {
    const legacy = new Y.Doc(); // garbage-collected, as document rooms were stored before versions
    setParagraphs(legacy, ['Old text']);
    const offline = historyDoc();
    Y.applyUpdate(offline, Y.encodeStateAsUpdate(legacy));
    body(legacy).delete(0, 1); // someone else removed the paragraph; the server collected it
    const late = changeOf(offline, () =>
      ((body(offline).get(0) as Y.XmlElement).get(0) as Y.XmlText).insert(8, '!')
    );
    expect(send(legacy, late)).toEqual({ ok: true });
    expect(body(legacy).length).toBe(0);
  });

  it('refuses a change whose place the server lacks', () => {
    const { server, device } = setUp();
    changeOf(device, () => setParagraphs(device, ['Unsent']));
    const dependent = changeOf(device, () => body(device).insert(1, [paragraph('Depends')]));
    expect(send(server, dependent)).toMatchObject({ ok: false, error: 'gap' });
  });
});
