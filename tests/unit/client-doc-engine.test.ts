/**
 * `engine.openDoc()` against the real server (an ephemeral port, a real SQLite file), with each
 * engine's store on an in-memory IndexedDB: what an editor gets (the live document, the
 * provider's awareness, the access), that two people see each other's awareness, that text typed
 * by one reaches the other, that a document new to a device opens with the server's copy, and
 * that a reader's open document is read-only.
 */
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { ApiFailure } from '../../src/lib/api';
import { body } from '../../src/lib/model/doc-room';
import { docRoom } from '../../src/lib/model/rooms';
import type { FikaSyncEngine } from '../../src/lib/sync/engine';
import { connect, sleep, synced, waitFor, type TestServer } from '../support/server';
import { testScope } from '../support/scope';
import { startEngine, userDatabase } from './client-sync';
import * as Y from 'yjs';

const scope = testScope();
const { server } = scope;

const engine = (s: TestServer, userId: string, token: string): Promise<FikaSyncEngine> =>
  startEngine(scope, s, userDatabase(scope, userId), token);

function guideline(s: TestServer, ownerId: string) {
  const space = s.org.createSpace({
    name: 'All staff',
    kind: 'news',
    audience: 'everyone',
    postingPolicy: 'members'
  });
  return s.org.createDocument({ spaceId: space.id, ownerId });
}

/** The paragraph text of a body fragment. */
const textOf = (doc: Y.Doc): string =>
  body(doc)
    .toArray()
    .map((node) => (node instanceof Y.XmlElement ? node.toArray().map((t) => t.toString()) : []).join(''))
    .join('\n');

describe('engine.openDoc', () => {
  it('gives writers the live document and each other’s awareness, and keeps the room open while held', async () => {
    const s = await server();
    const astrid = s.addUser('Astrid', { role: 'admin' });
    const erik = s.addUser('Erik', { role: 'editor' });
    const doc = guideline(s, astrid.user.id);
    const room = docRoom(doc.id);

    const a = await engine(s, astrid.user.id, astrid.token);
    const e = await engine(s, erik.user.id, erik.token);
    const openA = await a.openDoc(room);
    const openE = await e.openDoc(room);
    expect(openA.access).toBe('write');
    // A document room keeps its history on the device (its versions are snapshots of it).
    expect(openA.doc.gc).toBe(false);
    expect(openE.access).toBe('write');
    expect(a.openRooms).toContain(room);

    openA.awareness.setLocalStateField('user', { name: 'Astrid', color: '#b5179e' });
    openE.awareness.setLocalStateField('user', { name: 'Erik', color: '#0a7a5a' });
    const names = (o: typeof openA) =>
      [...o.awareness.getStates().values()]
        .map((st) => (st.user as { name?: string } | undefined)?.name)
        .sort();
    await waitFor(() => names(openA).join() === 'Astrid,Erik', 5000, 'Astrid seeing Erik');
    await waitFor(() => names(openE).join() === 'Astrid,Erik', 5000, 'Erik seeing Astrid');

    // Text typed into one editor's document reaches the other's.
    openA.doc.transact(() => {
      const p = new Y.XmlElement('paragraph');
      p.insert(0, [new Y.XmlText('Holidays are booked by March.')]);
      body(openA.doc).insert(0, [p]);
    });
    await waitFor(() => textOf(openE.doc) === 'Holidays are booked by March.', 5000, 'the text at Erik');

    // Released (twice: harmless), the room stays open all the same: the engine keeps every
    // readable document synced for the library, and the other hold is not affected.
    openA.release();
    openA.release();
    await sleep(300);
    expect(a.openRooms).toContain(room);
    await waitFor(() => names(openE).join() === 'Erik', 5000, 'Astrid gone from Erik’s awareness');
    openE.release();
  });

  it('opens a document this device has never held with the server’s copy, not empty', async () => {
    const s = await server();
    const astrid = s.addUser('astrid', { role: 'admin' });
    const erik = s.addUser('erik', { role: 'editor' });
    const room = docRoom(guideline(s, astrid.user.id).id);
    const writer = connect(s, room, astrid.token);
    scope.defer(() => writer.destroy());
    await synced(writer);
    writer.doc.transact(() => {
      const p = new Y.XmlElement('paragraph');
      p.insert(0, [new Y.XmlText('Trains before planes.')]);
      body(writer.doc).insert(0, [p]);
    });
    // The server relays only what it has stored.
    const witness = connect(s, room, astrid.token);
    scope.defer(() => witness.destroy());
    await waitFor(() => textOf(witness.doc) === 'Trains before planes.', 5000, 'the paragraph stored');

    // Erik's device is new: his editor gets the paragraph as it opens, not after.
    const e = await engine(s, erik.user.id, erik.token);
    const open = await e.openDoc(room);
    expect(textOf(open.doc)).toBe('Trains before planes.');
    open.release();
  });

  it('opens a reader’s document read-only and refuses rooms that are not readable documents', async () => {
    const s = await server();
    const astrid = s.addUser('astrid', { role: 'admin' });
    const sara = s.addUser('sara');
    const doc = guideline(s, astrid.user.id);
    const e = await engine(s, sara.user.id, sara.token);
    const open = await e.openDoc(docRoom(doc.id));
    expect(open.access).toBe('read');
    open.release();

    await expect(e.openDoc(docRoom('no-such-doc'))).rejects.toSatisfy(
      (err) => err instanceof ApiFailure && err.error === 'forbidden'
    );
    await expect(e.openDoc('org')).rejects.toSatisfy(
      (err) => err instanceof ApiFailure && err.error === 'forbidden'
    );
  });
});
