/**
 * Versions and read confirmations with the real server: history kept through compaction and
 * unloading, the confirmation API's rules, its update reaching a stock client, and the rule
 * that keeps confirmations the server's.
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { body } from '../../src/lib/model/doc-room';
import {
  publishVersion,
  readConfirmations,
  readVersions,
  recordConfirmation,
  versionDoc
} from '../../src/lib/model/doc-versions';
import { metric, synced, waitFor, type TestServer } from '../support/server';
import { testScope } from '../support/scope';

const scope = testScope();
const { server, client } = scope;

async function call(s: TestServer, token: string, method: string, url: string, json?: unknown) {
  const res = await fetch(s.url + url, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(json === undefined ? {} : { 'content-type': 'application/json' })
    },
    body: json === undefined ? undefined : JSON.stringify(json)
  });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- test responses are inspected loosely
  const answer: any = await res.json();
  return { status: res.status, json: answer };
}

/** Erik (editor) owns a document in "All staff"; Elin and Johan read it; Sara sees another space only. */
async function setUp(opts: Parameters<typeof server>[0] = {}) {
  const s = await server(opts);
  const stockholm = s.org.createGroup({ id: 'stockholm', kind: 'location', name: 'Stockholm' });
  const goteborg = s.org.createGroup({ id: 'goteborg', kind: 'location', name: 'Göteborg' });
  s.org.createSpace({
    id: 'all-staff',
    name: 'All staff',
    kind: 'news',
    audience: 'everyone',
    postingPolicy: 'editors'
  });
  s.org.createSpace({
    id: 'stockholm-office',
    name: 'Stockholm office',
    kind: 'community',
    audience: 'groups',
    audienceGroupIds: [stockholm.id],
    postingPolicy: 'members'
  });
  const erik = s.addUser('erik', { role: 'editor', groupIds: [stockholm.id] });
  const elin = s.addUser('elin', { groupIds: [stockholm.id] });
  const johan = s.addUser('johan', { groupIds: [stockholm.id] });
  const sara = s.addUser('sara', { groupIds: [goteborg.id] });
  const created = await call(s, erik.token, 'POST', '/api/spaces/stockholm-office/documents', {
    title: 'Keys'
  });
  expect(created.status).toBe(201);
  const { id, room } = created.json as { id: string; room: string };
  return { s, erik, elin, johan, sara, id, room };
}

function paragraph(text: string): Y.XmlElement {
  const p = new Y.XmlElement('paragraph');
  p.insert(0, [new Y.XmlText(text)]);
  return p;
}

describe('history of a document room on the server', () => {
  it('keeps deleted content through compaction and unloading, so versions rebuild after a restart', async () => {
    const f = await setUp({ compactThreshold: 3, compactQuietMs: 50, roomIdleMs: 200 });
    const writer = client(f.s, f.room, f.erik.token, { doc: new Y.Doc({ gc: false }) });
    await synced(writer);
    body(writer.doc).insert(0, [paragraph('Keys are collected at reception.')]);
    const v1 = publishVersion(writer.doc, { name: 'v1', requiresConfirmation: false }, f.erik.user.id, 1);
    for (let i = 0; i < 5; i++) body(writer.doc).insert(body(writer.doc).length, [paragraph(`Line ${i}`)]);
    body(writer.doc).delete(0, 1);
    await waitFor(() => body(f.s.rooms.get(f.room)!.doc).length === 5, 5000, 'the edits to arrive');
    writer.destroy();
    await waitFor(() => f.s.rooms.get(f.room) === undefined, 5000, 'the room to unload');
    expect(await metric(f.s, 'fika_sync_compactions_total')).toBeGreaterThan(0);

    const dataDir = f.s.config.dataDir;
    await f.s.stop();
    const again = await server({ dataDir });
    const reader = client(again, f.room, again.auth.createSession(f.elin.user.id, 'test').token, {
      doc: new Y.Doc({ gc: false })
    });
    await synced(reader);
    const [version] = readVersions(reader.doc);
    expect(version?.id).toBe(v1.id);
    expect(body(versionDoc(reader.doc, version!)).toString()).toContain('Keys are collected at reception.');
    expect(body(reader.doc).toString()).not.toContain('Keys are collected');
  });
});

describe('read confirmations', () => {
  it('records a reader’s confirmation of the version asked for, and relays it to open clients', async () => {
    const f = await setUp();
    const writer = client(f.s, f.room, f.erik.token, { doc: new Y.Doc({ gc: false }) });
    const watcher = client(f.s, f.room, f.johan.token);
    await Promise.all([synced(writer), synced(watcher)]);
    body(writer.doc).insert(0, [paragraph('Keys are collected at reception.')]);
    const quiet = publishVersion(writer.doc, { name: 'v0', requiresConfirmation: false }, f.erik.user.id, 1);
    await waitFor(() => readVersions(f.s.rooms.get(f.room)!.doc).length === 1);
    const url = `/api/documents/${f.id}/confirmations`;

    // Nothing asked yet.
    expect(await call(f.s, f.elin.token, 'POST', url, { versionId: quiet.id })).toMatchObject({
      status: 409,
      json: { error: 'not-current' }
    });
    const v1 = publishVersion(writer.doc, { name: 'v1', requiresConfirmation: true }, f.erik.user.id, 2);
    await waitFor(() => readVersions(f.s.rooms.get(f.room)!.doc).length === 2);

    expect(await call(f.s, f.elin.token, 'POST', url, { versionId: 'nope' })).toMatchObject({
      status: 404,
      json: { error: 'no-such-version' }
    });
    expect(await call(f.s, f.elin.token, 'POST', url, { versionId: quiet.id })).toMatchObject({
      status: 409
    });
    expect(await call(f.s, f.elin.token, 'POST', url, { versionId: '../x' })).toMatchObject({ status: 400 });
    // Someone who cannot read the document learns nothing about it.
    expect(await call(f.s, f.sara.token, 'POST', url, { versionId: v1.id })).toMatchObject({
      status: 404,
      json: { error: 'not-found' }
    });

    const ok = await call(f.s, f.elin.token, 'POST', url, { versionId: v1.id });
    expect(ok).toMatchObject({ status: 200, json: { versionId: v1.id } });
    // The server's update reaches the stock clients in the room.
    await waitFor(
      () => readConfirmations(watcher.doc).get(f.elin.user.id)?.versionId === v1.id,
      5000,
      'the relay'
    );
    await waitFor(() => readConfirmations(writer.doc).has(f.elin.user.id));
    // Confirming twice changes nothing.
    expect((await call(f.s, f.elin.token, 'POST', url, { versionId: v1.id })).json.at).toBe(ok.json.at);

    // The owner sees who has confirmed; readers may not list it.
    const status = await call(f.s, f.erik.token, 'GET', url);
    expect(status.status).toBe(200);
    expect(status.json.versionId).toBe(v1.id);
    const byPerson = Object.fromEntries(
      (status.json.people as Array<{ userId: string; confirmedAt: number | null }>).map((p) => [
        p.userId,
        p.confirmedAt
      ])
    );
    expect(byPerson).toEqual({
      [f.erik.user.id]: null,
      [f.elin.user.id]: ok.json.at,
      [f.johan.user.id]: null
    });
    expect(await call(f.s, f.johan.token, 'GET', url)).toMatchObject({ status: 403 });

    // A new version that asks again: Elin's earlier confirmation no longer counts.
    const v2 = publishVersion(writer.doc, { name: 'v2', requiresConfirmation: true }, f.erik.user.id, 3);
    await waitFor(() => readVersions(f.s.rooms.get(f.room)!.doc).length === 3);
    const after = await call(f.s, f.erik.token, 'GET', url);
    expect(after.json.versionId).toBe(v2.id);
    expect(after.json.people.every((p: { confirmedAt: number | null }) => p.confirmedAt === null)).toBe(true);
    expect(await call(f.s, f.elin.token, 'POST', url, { versionId: v1.id })).toMatchObject({ status: 409 });
    expect((await call(f.s, f.elin.token, 'POST', url, { versionId: v2.id })).status).toBe(200);
  });

  it("refuses a writer's update that records a confirmation, and a reader's crafted one never lands", async () => {
    const f = await setUp();
    const writer = client(f.s, f.room, f.erik.token, { doc: new Y.Doc({ gc: false }) });
    await synced(writer);
    recordConfirmation(writer.doc, f.johan.user.id, 'forged', Date.now());
    const { code } = await writer.closed;
    expect(code).toBe(4409);
    expect(await metric(f.s, 'fika_sync_updates_refused_total', 'reason="server-only"')).toBeGreaterThan(0);
    expect(readConfirmations(f.s.rooms.get(f.room)!.doc).size).toBe(0);

    const reader = client(f.s, f.room, f.johan.token);
    await synced(reader);
    recordConfirmation(reader.doc, f.johan.user.id, 'forged', Date.now());
    for (let i = 0; i < 50; i++) {
      if ((await metric(f.s, 'fika_sync_updates_refused_total', 'reason="read-only"')) > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(await metric(f.s, 'fika_sync_updates_refused_total', 'reason="read-only"')).toBeGreaterThan(0);
    expect(readConfirmations(f.s.rooms.get(f.room)!.doc).size).toBe(0);
  });
});
