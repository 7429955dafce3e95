/**
 * The document library's server side end to end: a real server on an ephemeral port with a real
 * SQLite file, the API over HTTP, and stock y-websocket clients (and a crafted one) on the
 * document rooms.
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { body, readMeta, setMeta } from '../../src/lib/model/doc-room';
import { CloseCodes } from '../../src/lib/model/close-codes';
import { encodeSyncStep2, encodeUpdate } from '../../sync-server/src/messages';
import { metric, rawConnect, sleep, startServer, synced, waitFor, type TestServer } from '../support/server';
import { testScope } from '../support/scope';

const scope = testScope();
const { server, client } = scope;

async function call(s: TestServer, token: string | null, method: string, url: string, json?: unknown) {
  const headers: Record<string, string> = {};
  if (token !== null) headers.authorization = `Bearer ${token}`;
  if (json !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(s.url + url, {
    method,
    headers,
    body: json === undefined ? undefined : JSON.stringify(json)
  });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- test responses are inspected loosely
  const body: any = await res.json();
  return { status: res.status, json: body };
}

/**
 * An everyone space and a Göteborg-only space. Erik is an editor in Stockholm, Astrid an admin
 * in Göteborg, Elin and Johan staff in Stockholm, Sara staff in Göteborg.
 */
async function docsOrg(opts: Parameters<typeof startServer>[0] = {}) {
  const s = await server(opts);
  const stockholm = s.org.createGroup({ id: 'stockholm', kind: 'location', name: 'Stockholm' });
  const goteborg = s.org.createGroup({ id: 'goteborg', kind: 'location', name: 'Göteborg' });
  const allStaff = s.org.createSpace({
    id: 'all-staff',
    name: 'All staff',
    kind: 'news',
    audience: 'everyone',
    postingPolicy: 'editors'
  });
  const office = s.org.createSpace({
    id: 'goteborg-office',
    name: 'Göteborg office',
    kind: 'community',
    audience: 'groups',
    audienceGroupIds: [goteborg.id],
    postingPolicy: 'members'
  });
  const erik = s.addUser('erik', { role: 'editor', groupIds: [stockholm.id] });
  const astrid = s.addUser('astrid', { role: 'admin', groupIds: [goteborg.id] });
  const elin = s.addUser('elin', { groupIds: [stockholm.id] });
  const johan = s.addUser('johan', { groupIds: [stockholm.id] });
  const sara = s.addUser('sara', { groupIds: [goteborg.id] });
  return { s, allStaff, office, erik, astrid, elin, johan, sara };
}

type DocsOrg = Awaited<ReturnType<typeof docsOrg>>;

async function createDoc(f: DocsOrg, title = 'Vacation policy', folder?: string) {
  const res = await call(f.s, f.erik.token, 'POST', `/api/spaces/${f.allStaff.id}/documents`, {
    title,
    ...(folder === undefined ? {} : { folder })
  });
  expect(res.status).toBe(201);
  return res.json as { id: string; room: string };
}

describe('creating documents', () => {
  it('lets admins and editors who see the space create one, with its first metadata in the room', async () => {
    const f = await docsOrg();
    const before = Date.now();
    const { id, room } = await createDoc(f, '  Vacation policy ', ' HR // Leave ');
    expect(room).toBe(`doc/${id}`);

    const reader = client(f.s, room, f.elin.token);
    await synced(reader);
    const meta = readMeta(reader.doc);
    expect(meta).toMatchObject({
      title: 'Vacation policy',
      folder: 'HR/Leave',
      status: 'draft',
      reviewDate: null,
      requiresConfirmation: false,
      updatedBy: f.erik.user.id
    });
    expect(meta.updatedAt).toBeGreaterThanOrEqual(before);
    expect(reader.doc.getMap('meta').get('reviewDate')).toBeNull();

    const info = await call(f.s, f.elin.token, 'GET', `/api/documents/${id}`);
    expect(info).toEqual({
      status: 200,
      json: { id, spaceId: f.allStaff.id, ownerId: f.erik.user.id, editorIds: [] }
    });
    const me = await call(f.s, f.elin.token, 'GET', '/api/me');
    expect(me.json.rooms).toContainEqual({
      room,
      access: 'read',
      kind: 'doc',
      docId: id,
      spaceId: f.allStaff.id,
      ownerId: f.erik.user.id
    });

    // The admin creates one in a space she sees; the folder is optional.
    const admin = await call(f.s, f.astrid.token, 'POST', `/api/spaces/${f.office.id}/documents`, {
      title: 'Office keys'
    });
    expect(admin.status).toBe(201);
    expect(f.s.org.getDocument(admin.json.id)?.ownerId).toBe(f.astrid.user.id);
  });

  it('lets the room it wrote leave memory when nobody opens it, with its metadata stored', async () => {
    const f = await docsOrg({ roomIdleMs: 50 });
    const { room } = await createDoc(f, 'Idle policy');
    await waitFor(() => f.s.rooms.get(room) === undefined, 5000, 'the idle room to unload');
    const reader = client(f.s, room, f.elin.token);
    await synced(reader);
    expect(readMeta(reader.doc).title).toBe('Idle policy');
  });

  it('refuses staff, strangers to the space, and bad input', async () => {
    const f = await docsOrg();
    const url = `/api/spaces/${f.allStaff.id}/documents`;
    const staff = await call(f.s, f.elin.token, 'POST', url, { title: 'Mine' });
    expect(staff).toMatchObject({ status: 403, json: { error: 'forbidden' } });
    // Erik is an editor, but does not see the Göteborg space: it does not exist for him.
    const hidden = await call(f.s, f.erik.token, 'POST', `/api/spaces/${f.office.id}/documents`, {
      title: 'Secret'
    });
    expect(hidden).toMatchObject({ status: 404, json: { error: 'not-found' } });
    const missing = await call(f.s, f.erik.token, 'POST', '/api/spaces/nowhere/documents', { title: 'X' });
    expect(missing).toMatchObject({ status: 404, json: { error: 'not-found' } });
    for (const bad of [
      {},
      { title: '' },
      { title: '   ' },
      { title: 'x'.repeat(201) },
      { title: 'X', owner: 'me' }
    ]) {
      const res = await call(f.s, f.erik.token, 'POST', url, bad);
      expect(res.status, JSON.stringify(bad)).toBe(400);
      expect(res.json.error).toBe('invalid-request');
    }
    expect((await call(f.s, null, 'POST', url, { title: 'X' })).status).toBe(401);
    expect(f.s.db.prepare('SELECT COUNT(*) AS n FROM documents').get()).toEqual({ n: 0 });
  });
});

describe('document owners and co-authors', () => {
  it('shows a document to its readers only', async () => {
    const f = await docsOrg();
    const doc = f.s.org.createDocument({ spaceId: f.office.id, ownerId: f.sara.user.id });
    expect((await call(f.s, f.sara.token, 'GET', `/api/documents/${doc.id}`)).status).toBe(200);
    const outsider = await call(f.s, f.elin.token, 'GET', `/api/documents/${doc.id}`);
    expect(outsider).toMatchObject({ status: 404, json: { error: 'not-found' } });
    expect((await call(f.s, f.elin.token, 'GET', '/api/documents/none')).status).toBe(404);
  });

  it('lets the owner and editors of the space choose co-authors who can read it', async () => {
    const f = await docsOrg();
    // Elin (staff) owns a document in All staff.
    const doc = f.s.org.createDocument({ spaceId: f.allStaff.id, ownerId: f.elin.user.id });
    const url = `/api/documents/${doc.id}/editors`;

    const byReader = await call(f.s, f.johan.token, 'PUT', url, { userIds: [f.johan.user.id] });
    expect(byReader).toMatchObject({ status: 403, json: { error: 'forbidden' } });
    const unknown = await call(f.s, f.elin.token, 'PUT', url, { userIds: ['nobody'] });
    expect(unknown).toMatchObject({ status: 400, json: { error: 'invalid-request' } });
    const bad = await call(f.s, f.elin.token, 'PUT', url, { userIds: 'johan' });
    expect(bad.status).toBe(400);

    const byOwner = await call(f.s, f.elin.token, 'PUT', url, { userIds: [f.johan.user.id, f.sara.user.id] });
    expect(byOwner.status).toBe(200);
    expect(byOwner.json.editorIds).toEqual([f.johan.user.id, f.sara.user.id].sort());
    const me = await call(f.s, f.johan.token, 'GET', '/api/me');
    expect(me.json.rooms).toContainEqual(expect.objectContaining({ room: `doc/${doc.id}`, access: 'write' }));

    const byEditor = await call(f.s, f.erik.token, 'PUT', url, { userIds: [] });
    expect(byEditor.json).toEqual({
      id: doc.id,
      spaceId: f.allStaff.id,
      ownerId: f.elin.user.id,
      editorIds: []
    });

    // Nobody outside the space's audience becomes a co-author.
    const office = f.s.org.createDocument({ spaceId: f.office.id, ownerId: f.sara.user.id });
    const outside = await call(f.s, f.sara.token, 'PUT', `/api/documents/${office.id}/editors`, {
      userIds: [f.elin.user.id]
    });
    expect(outside).toMatchObject({ status: 400, json: { error: 'invalid-request' } });
    expect(f.s.org.getDocument(office.id)?.editorIds).toEqual([]);
  });
});

describe('who writes a document room', () => {
  it('keeps a writer who typed before the room connected, and takes the text from their sync answer', async () => {
    const f = await docsOrg();
    const { room } = await createDoc(f);
    // Erik typed into the new document before its room connected: two edits, the second
    // placed after the first.
    const offline = new Y.Doc({ gc: false });
    const edits: Uint8Array[] = [];
    offline.on('update', (u: Uint8Array) => edits.push(u));
    const p = new Y.XmlElement('paragraph');
    p.insert(0, [new Y.XmlText('Keys')]);
    body(offline).insert(0, [p]);
    (p.get(0) as Y.XmlText).insert(4, ' are collected at reception.');
    expect(edits).toHaveLength(2);

    // The socket opens and a keystroke goes out at once, before the client has answered the
    // server's sync step 1: it depends on the first edit, which the server does not have yet.
    const raw = rawConnect(f.s, room, f.erik.token);
    scope.deferLast(() => raw.ws.close());
    await raw.opened;
    raw.ws.send(encodeUpdate(edits[1]!));
    const early = await Promise.race([raw.closed, sleep(500).then(() => null)]);
    expect(early).toBeNull();

    // The answer to step 1 carries everything the server lacks, and the text arrives whole.
    raw.ws.send(encodeSyncStep2(offline, Y.encodeStateVector(f.s.rooms.get(room)!.doc)));
    const reader = client(f.s, room, f.elin.token);
    await synced(reader);
    await waitFor(() => body(reader.doc).toString().includes('Keys are collected at reception.'));

    // Once it has answered, a change whose place the server cannot find is refused as before.
    const stranger = new Y.Doc();
    const strangerEdits: Uint8Array[] = [];
    stranger.on('update', (u: Uint8Array) => strangerEdits.push(u));
    const q = new Y.XmlElement('paragraph');
    body(stranger).insert(0, [q]);
    q.insert(0, [new Y.XmlText('Out of nowhere')]);
    raw.ws.send(encodeUpdate(strangerEdits[1]!));
    expect((await raw.closed).code).toBe(CloseCodes.UpdateRefused.code);
  });

  it('keeps a stock client that edits the moment its socket opens, on top of edits made offline', async () => {
    const f = await docsOrg();
    const { room } = await createDoc(f);
    const offline = new Y.Doc({ gc: false });
    const p = new Y.XmlElement('paragraph');
    p.insert(0, [new Y.XmlText('Keys')]);
    body(offline).insert(0, [p]);
    const writer = client(f.s, room, f.erik.token, { doc: offline, connect: false });
    // The stock client reports "connected" before it has heard from the server: a change made
    // then is sent before its answer to the server's step 1, and depends on the offline edit.
    let typed = false;
    writer.provider.on('status', ({ status }: { status: string }) => {
      if (status !== 'connected' || typed) return;
      typed = true;
      (p.get(0) as Y.XmlText).insert(4, ' are collected at reception.');
    });
    writer.provider.connect();
    await synced(writer);
    const reader = client(f.s, room, f.elin.token);
    await synced(reader);
    await waitFor(() => body(reader.doc).toString().includes('Keys are collected at reception.'));
    expect(typed).toBe(true);
    expect(writer.provider.wsconnected).toBe(true);
    expect(await metric(f.s, 'fika_sync_updates_refused_total', 'reason="gap"')).toBe(0);
  });

  it("drops a reader's crafted update: never applied, relayed or stored", async () => {
    const f = await docsOrg();
    const { id, room } = await createDoc(f);
    const writer = client(f.s, room, f.erik.token);
    await synced(writer);
    const p = new Y.XmlElement('paragraph');
    p.insert(0, [new Y.XmlText('Five weeks of paid leave.')]);
    body(writer.doc).insert(0, [p]);
    await waitFor(() => body(f.s.rooms.get(room)!.doc).length === 1);

    // A crafted client sends an update straight over the socket, as no stock client would.
    const forged = new Y.Doc();
    Y.applyUpdate(forged, Y.encodeStateAsUpdate(f.s.rooms.get(room)!.doc));
    const updates: Uint8Array[] = [];
    forged.on('update', (u: Uint8Array) => updates.push(u));
    setMeta(forged, { title: 'Hijacked', status: 'published' }, f.johan.user.id, Date.now());
    body(forged).delete(0, 1);
    const raw = rawConnect(f.s, room, f.johan.token);
    scope.deferLast(() => raw.ws.close());
    await raw.opened;
    for (const u of updates) raw.ws.send(encodeUpdate(u));
    await waitFor(() => raw.messages.length > 0, 5000, 'the server answering the crafted client');
    await sleep(300);
    expect(await metric(f.s, 'fika_sync_updates_refused_total', 'reason="read-only"')).toBeGreaterThan(0);
    expect(readMeta(writer.doc).title).toBe('Vacation policy');
    expect(body(writer.doc).toString()).toBe('<paragraph>Five weeks of paid leave.</paragraph>');

    // After a restart the stored room holds none of it.
    const dataDir = f.s.config.dataDir;
    writer.destroy();
    raw.ws.close();
    await f.s.stop();
    const again = await server({ dataDir });
    const fresh = client(again, room, again.auth.createSession(f.erik.user.id, 'test').token);
    await synced(fresh);
    expect(readMeta(fresh.doc)).toMatchObject({ title: 'Vacation policy', status: 'draft' });
    expect(body(fresh.doc).toString()).toBe('<paragraph>Five weeks of paid leave.</paragraph>');
    expect(again.org.getDocument(id)?.ownerId).toBe(f.erik.user.id);
  });

  it('lets a co-author write once added, and not once removed, on the same connection', async () => {
    const f = await docsOrg();
    const { id, room } = await createDoc(f, 'Forklift safety');
    const owner = client(f.s, room, f.erik.token);
    const johan = client(f.s, room, f.johan.token);
    await Promise.all([synced(owner), synced(johan)]);
    const url = `/api/documents/${id}/editors`;

    // A reader's own edits would be dropped (tested above); once dropped, the client's later
    // updates depend on them, so this one writes nothing before becoming a co-author.
    expect(connectionAccess(f.s, room, f.johan.user.id)).toBe('read');
    expect((await call(f.s, f.erik.token, 'PUT', url, { userIds: [f.johan.user.id] })).status).toBe(200);
    await waitFor(() => connectionAccess(f.s, room, f.johan.user.id) === 'write');
    setMeta(johan.doc, { title: 'Forklift safety routines' }, f.johan.user.id, Date.now());
    await waitFor(
      () => readMeta(owner.doc).title === 'Forklift safety routines',
      5000,
      'the co-author’s change'
    );

    expect((await call(f.s, f.erik.token, 'PUT', url, { userIds: [] })).status).toBe(200);
    await waitFor(() => connectionAccess(f.s, room, f.johan.user.id) === 'read');
    setMeta(johan.doc, { title: 'Removed but still trying' }, f.johan.user.id, Date.now());
    await sleep(300);
    expect(readMeta(owner.doc).title).toBe('Forklift safety routines');
    expect(readMeta(f.s.rooms.get(room)!.doc).title).toBe('Forklift safety routines');
  });
});

/** The access level of a person's open connection to a room, as the server holds it now. */
function connectionAccess(s: TestServer, room: string, userId: string): string | undefined {
  const connections = (
    s.sync as unknown as {
      connections: Set<{ room: { name: string }; user: { id: string }; access: string }>;
    }
  ).connections;
  for (const conn of connections) if (conn.room.name === room && conn.user.id === userId) return conn.access;
  return undefined;
}
