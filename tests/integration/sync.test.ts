/**
 * The sync server end to end: a real server on an ephemeral port with a real SQLite file,
 * stock y-websocket clients, and raw sockets for what the stock client never sends.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import * as encoding from 'lib0/encoding';
import * as decoding from 'lib0/decoding';
import {
  ACK_PARAM,
  COMMITTED_MESSAGE,
  encodeStateParam,
  STATE_PARAM,
  SYNC_PROTOCOL,
  TOKEN_PROTOCOL_PREFIX,
  tokenProtocols
} from '../../src/lib/model/protocol';
import { PresenceEntries, WHOLE_ROOM_AHEAD_MAX_BYTES } from '../../sync-server/src/connection';
import { SLEEP_MAX_BYTES } from '../../sync-server/src/rooms';
import { buildTeamSpace } from '../factories';
import { CloseCodes } from '../../src/lib/model/close-codes';
import { allow, allowWriters, defaultRules, refuse, type RuleSet } from '../../src/lib/model/validation';
import {
  countingWebSocket,
  metric,
  rawConnect,
  sleep,
  startServer,
  synced,
  waitFor,
  withTimeout,
  type RawClient,
  type TestServer
} from '../support/server';
import { testScope } from '../support/scope';

const scope = testScope();
const { client } = scope;

/**
 * These tests are about the transport and write arbitrary content into a space's shared room as
 * anyone in its audience; the content rules of space rooms have their own tests
 * (tests/unit/space-rules.test.ts, tests/integration/ownership.test.ts).
 */
const transportRules: RuleSet = { ...defaultRules, space: allowWriters };

const server = (opts: Parameters<typeof startServer>[0] = {}): Promise<TestServer> =>
  scope.server({ rules: transportRules, ...opts });

function openSpace(s: TestServer): string {
  const space = s.org.createSpace({
    name: 'Open',
    kind: 'community',
    audience: 'everyone',
    postingPolicy: 'members'
  });
  return `space/${space.id}`;
}

/** A presence entry: client id, clock, state (null removes it). */
type PresenceEntry = [clientID: number, clock: number, state: unknown];

/** An awareness message (y-websocket message type 1) holding `entries`. */
function awarenessMessage(entries: readonly PresenceEntry[]): Uint8Array {
  const update = encoding.createEncoder();
  encoding.writeVarUint(update, entries.length);
  for (const [clientID, clock, state] of entries) {
    encoding.writeVarUint(update, clientID);
    encoding.writeVarUint(update, clock);
    encoding.writeVarString(update, JSON.stringify(state));
  }
  const message = encoding.createEncoder();
  encoding.writeVarUint(message, 1);
  encoding.writeVarUint8Array(message, encoding.toUint8Array(update));
  return encoding.toUint8Array(message);
}

describe('sync between stock clients', () => {
  it('converges two clients and gives a late joiner the whole state', async () => {
    const s = await server();
    const room = openSpace(s);
    const { token: t1 } = s.addUser('anna');
    const { token: t2 } = s.addUser('bo');
    const a = client(s, room, t1);
    const b = client(s, room, t2);
    await Promise.all([synced(a), synced(b)]);
    a.doc.getMap('m').set('from-a', 1);
    b.doc.getArray('list').push(['b1', 'b2']);
    a.doc.getText('t').insert(0, 'hej');
    b.doc.getText('t').insert(0, 'hello ');
    await waitFor(() => a.doc.getArray('list').length === 2 && b.doc.getMap('m').get('from-a') === 1);
    await waitFor(() => a.doc.getText('t').length === 9 && b.doc.getText('t').length === 9);
    expect(a.doc.getText('t').toString()).toBe(b.doc.getText('t').toString());

    const c = client(s, room, s.addUser('cecilia').token);
    await synced(c);
    await waitFor(() => c.doc.getText('t').length === 9);
    expect(Y.encodeStateVector(c.doc)).toEqual(Y.encodeStateVector(a.doc));
    expect(c.doc.getMap('m').toJSON()).toEqual({ 'from-a': 1 });
    expect(c.doc.getArray('list').toJSON()).toEqual(['b1', 'b2']);
  });

  it('relays awareness and removes it when a client leaves', async () => {
    const s = await server();
    const room = openSpace(s);
    const a = client(s, room, s.addUser('a').token);
    const b = client(s, room, s.addUser('b').token);
    await Promise.all([synced(a), synced(b)]);
    a.provider.awareness.setLocalStateField('user', { name: 'Anna' });
    await waitFor(() => b.provider.awareness.getStates().get(a.doc.clientID)?.user !== undefined);
    a.provider.disconnect();
    await waitFor(() => !b.provider.awareness.getStates().has(a.doc.clientID));
  });

  it("keeps each person's presence their own, and a reconnect's", async () => {
    const s = await server();
    const room = openSpace(s);
    const anna = s.addUser('Anna');
    const a = client(s, room, anna.token);
    const b = client(s, room, s.addUser('bo').token);
    await Promise.all([synced(a), synced(b)]);
    a.provider.awareness.setLocalStateField('user', { name: 'Anna' });
    const id = a.doc.clientID;
    const seenByB = () => b.provider.awareness.getStates().get(id) as { user?: { name: string } } | undefined;
    await waitFor(() => seenByB()?.user?.name === 'Anna');
    /** An awareness message with one client's state. */
    const presence = (clientID: number, clock: number, state: unknown) =>
      awarenessMessage([[clientID, clock, state]]);

    // Someone else can neither speak as her client nor make her presence disappear; their own
    // presence, sent after, shows that the server has read both.
    const mallory = rawConnect(s, room, s.addUser('mallory').token);
    await mallory.opened;
    mallory.ws.send(presence(id, 100, { user: { name: 'Anna (not)' } }));
    mallory.ws.send(presence(id, 101, null));
    mallory.ws.send(presence(4242, 1, { user: { name: 'Mallory' } }));
    await waitFor(() => b.provider.awareness.getStates().has(4242));
    expect(seenByB()?.user?.name).toBe('Anna');

    // Anna herself, on a new connection the server takes over her client id; the old connection
    // going away (as after a network change) leaves the new one's presence in place.
    const again = rawConnect(s, room, anna.token);
    await again.opened;
    again.ws.send(presence(id, 200, { user: { name: 'Anna' }, moved: true }));
    await waitFor(() => (seenByB() as { moved?: boolean } | undefined)?.moved === true);
    // The old connection drops without a word (no removal of her state sent).
    a.provider.shouldConnect = false;
    (a.provider.ws as unknown as import('ws').WebSocket).terminate();
    // Bo, Mallory and Anna's new connection stay.
    for (const deadline = Date.now() + 3000; (await metric(s, 'fika_sync_connections')) !== 3;) {
      if (Date.now() > deadline) throw new Error('the old connection stayed open');
      await sleep(20);
    }
    await sleep(200);
    expect(seenByB()?.user?.name).toBe('Anna');
    again.ws.close();
    await waitFor(() => seenByB() === undefined, 3000, 'presence gone with its last connection');
  });

  it('names each presence by the person the server knows, whatever name the client sent', async () => {
    const s = await server();
    const room = openSpace(s);
    const anna = s.addUser('Anna');
    const bo = s.addUser('Bo');
    const a = client(s, room, anna.token);
    const b = client(s, room, bo.token);
    await Promise.all([synced(a), synced(b)]);
    const seenByA = (clientID: number) => a.provider.awareness.getStates().get(clientID);

    // Bo's client claims to be Anna, with her id, an extra field and a caret.
    b.provider.awareness.setLocalState({
      user: { id: anna.user.id, name: 'Anna', color: '#12ab34', avatar: 'https://evil.example/x.png' },
      cursor: 5
    });
    await waitFor(() => seenByA(b.doc.clientID) !== undefined);
    expect(seenByA(b.doc.clientID)).toEqual({
      user: { id: bo.user.id, name: 'Bo', color: '#12ab34' },
      cursor: 5
    });
    // Bo's own client keeps its local state; the server's copy is the stamped one.
    expect(s.rooms.get(room)!.awareness.getStates().get(b.doc.clientID)).toEqual(seenByA(b.doc.clientID));

    // A colour that is not #rrggbb is dropped, a `user` that is not an object becomes the person,
    // and a state without `user` is relayed as it is.
    const { user: cecilia, token } = s.addUser('Cecilia');
    const raw = rawConnect(s, room, token);
    await raw.opened;
    raw.ws.send(
      awarenessMessage([
        [7001, 1, { user: { name: 'Admin', color: 'red; background: url(x)' } }],
        [7002, 1, { user: 'Admin' }],
        [7003, 1, { cursor: 9 }]
      ])
    );
    await waitFor(() => seenByA(7003) !== undefined);
    expect(seenByA(7001)).toEqual({ user: { id: cecilia.id, name: 'Cecilia' } });
    expect(seenByA(7002)).toEqual({ user: { id: cecilia.id, name: 'Cecilia' } });
    expect(seenByA(7003)).toEqual({ cursor: 9 });
  });

  it('keeps nothing for the removal of presence nobody announced', async () => {
    const s = await server();
    const room = openSpace(s);
    const b = client(s, room, s.addUser('bo').token);
    await synced(b);
    const mallory = rawConnect(s, room, s.addUser('mallory').token);
    await mallory.opened;
    // One message removing the presence of 5,000 made-up clients, then a presence of her own.
    const madeUp = Array.from({ length: 5_000 }, (_, n): PresenceEntry => [1_000_000 + n, 1, null]);
    mallory.ws.send(awarenessMessage(madeUp));
    mallory.ws.send(awarenessMessage([[4242, 1, { user: { name: 'Mallory' } }]]));
    await waitFor(() => b.provider.awareness.getStates().has(4242));
    // The room knows Bo's client and Mallory's, not 5,000 more.
    expect(s.rooms.get(room)!.awareness.meta.size).toBeLessThanOrEqual(3);
    mallory.ws.close();

    // More presence entries than a connection may send at once (each costs a parse): closed,
    // without the server reading them.
    const flood = rawConnect(s, room, s.addUser('eve').token);
    await flood.opened;
    const many = Array.from({ length: PresenceEntries.burst + 1 }, (_, n): PresenceEntry => [
      2_000_000 + n,
      1,
      {}
    ]);
    flood.ws.send(awarenessMessage(many));
    expect((await flood.closed).code).toBe(CloseCodes.RateLimited.code);
    expect(b.provider.awareness.getStates().has(2_000_000)).toBe(false);
  });

  it('relays renewed presence 3 s later, in one message with the others', async () => {
    const s = await server();
    const room = openSpace(s);
    const a = client(s, room, s.addUser('anna').token);
    const b = client(s, room, s.addUser('bo').token);
    await Promise.all([synced(a), synced(b)]);
    const id = a.doc.clientID;
    const clockAt = (c: typeof a) => c.provider.awareness.meta.get(id)?.clock;
    a.provider.awareness.setLocalStateField('user', { name: 'Anna' });
    await waitFor(() => b.provider.awareness.getStates().get(id) !== undefined);
    const applied: number[] = [];
    b.provider.awareness.on('update', ({ updated }: { updated: number[] }) => {
      if (updated.includes(id)) applied.push(clockAt(b)!);
    });
    // The stock client renews its state every 15 s; here three times, 150 ms apart.
    const heardBefore = a.provider.wsLastMessageReceived;
    for (let i = 0; i < 3; i++) {
      a.provider.awareness.setLocalState(a.provider.awareness.getLocalState());
      await sleep(150);
    }
    const final = clockAt(a)!;
    await waitFor(() => clockAt(b) === final, 5000, 'the renewal reached Bo');
    // Relayed one by one, Bo would have applied three; they waited 3 s and came together.
    expect(applied).toEqual([final]);
    // Anna heard her own renewal back: the stock client counts that as a sign of life.
    expect(a.provider.wsLastMessageReceived).toBeGreaterThan(heardBefore);
    // A change still goes at once (well within 3 s).
    a.provider.awareness.setLocalStateField('caret', 5);
    await waitFor(
      () => (b.provider.awareness.getStates().get(id) as { caret?: number } | undefined)?.caret === 5,
      1000,
      'the change reached Bo'
    );
  });

  it("keeps all of one person's connections to a room when their presence is echoed", async () => {
    // Tabs and devices of one person: each stock client echoes the others' states back, and
    // their renewals are relayed in one message. None of that is an announcement.
    const s = await server();
    const room = openSpace(s);
    const { token } = s.addUser('anna');
    const closes: number[] = [];
    const open = () => {
      const c = client(s, room, token);
      c.provider.on('connection-close', (event: CloseEvent | null) => closes.push(event?.code ?? 0));
      // The stock client's first state (clock 0) is applied by nobody; its first change is.
      c.provider.awareness.setLocalStateField('user', { name: 'Anna' });
      return c;
    };
    const clients = Array.from({ length: 10 }, open);
    await Promise.all(clients.map((c) => synced(c)));
    const everyoneSeen = () => clients.every((c) => c.provider.awareness.getStates().size === clients.length);
    await waitFor(everyoneSeen, 5000, 'every client saw every state');
    // One more joins, and is sent all ten states at once.
    const late = open();
    clients.push(late);
    await synced(late);
    await waitFor(everyoneSeen, 5000, 'every client saw the late one');
    // All renew at once: the eleven renewals are relayed together 3 s later.
    for (const c of clients) c.provider.awareness.setLocalState(c.provider.awareness.getLocalState());
    const clock = (c: (typeof clients)[number]) => c.provider.awareness.meta.get(c.doc.clientID)!.clock;
    await waitFor(
      () =>
        clients.every((c) =>
          clients.every((o) => o.provider.awareness.meta.get(c.doc.clientID)?.clock === clock(c))
        ),
      5000,
      'every renewal reached every client'
    );
    await sleep(300);
    expect(await metric(s, 'fika_sync_connections')).toBe(clients.length);
    expect(closes).toEqual([]);
  });

  it('fills the org room from the server tables and keeps it current', async () => {
    const s = await server();
    const { user, token } = s.addUser('dora');
    const c = client(s, 'org', token);
    await synced(c);
    await waitFor(() => c.doc.getMap('people').has(user.id));
    const added = s.addUser('erik').user;
    await waitFor(() => c.doc.getMap('people').has(added.id), 3000, 'live directory update');
    s.org.setSetting('org.name', 'Norrsken Logistik AB');
    await waitFor(() => c.doc.getMap('organisation').get('name') === 'Norrsken Logistik AB', 3000, 'name');
    const hidden = s.org.createGroup({ kind: 'team', name: 'Secret team' });
    s.org.createSpace({
      name: 'Hidden',
      kind: 'project',
      audience: 'groups',
      audienceGroupIds: [hidden.id],
      postingPolicy: 'members'
    });
    const open = s.org.createSpace({
      name: 'Open',
      kind: 'community',
      audience: 'everyone',
      postingPolicy: 'members'
    });
    await waitFor(() => c.doc.getMap('spaces').has(open.id), 3000, 'open space listed');
    expect([...c.doc.getMap<{ name: string }>('spaces').values()].map((v) => v.name)).toEqual(['Open']);
    // Nobody but the server writes the directory: every client is a reader of it.
    expect(s.org.roomAccess(s.org.getUser(user.id)!, { kind: 'org', name: 'org' })).toBe('read');
    c.doc.getMap('people').set('forged', { id: 'forged' });
    await sleep(200);
    expect(await metric(s, 'fika_sync_updates_refused_total', 'reason="read-only"')).toBe(1);
    const fresh = client(s, 'org', s.addUser('f').token);
    await synced(fresh);
    expect(fresh.doc.getMap('people').has('forged')).toBe(false);
  });
});

describe('refusals', () => {
  it('closes with 4401 for a missing, unknown, expired or revoked token', async () => {
    const s = await server();
    const room = openSpace(s);
    expect((await withTimeout(client(s, room, null).closed, 3000, 'no token')).code).toBe(4401);
    expect((await withTimeout(client(s, room, 'not-a-token').closed, 3000, 'bad token')).code).toBe(4401);

    const { user, token } = s.addUser('expired');
    s.db.prepare('UPDATE sessions SET expires_at = ? WHERE user_id = ?').run(Date.now() - 1000, user.id);
    expect((await withTimeout(client(s, room, token).closed, 3000, 'expired')).code).toBe(4401);

    const revoked = s.addUser('revoked');
    const session = s.auth.authenticate(revoked.token)!.session;
    s.auth.revokeSession(session.id);
    expect((await withTimeout(client(s, room, revoked.token).closed, 3000, 'revoked')).code).toBe(4401);
  });

  it('takes the token as a subprotocol, out of the address, and selects `fika`', async () => {
    const s = await server();
    const room = openSpace(s);
    const { token } = s.addUser('screen');
    const c = client(s, room, null, { protocols: tokenProtocols(token) });
    await synced(c);
    expect((c.provider.ws as unknown as import('ws').WebSocket).protocol).toBe(SYNC_PROTOCOL);
    expect(c.provider.url).not.toContain(token);
    c.doc.getMap('m').set('x', 1);
    await waitFor(() => s.rooms.get(room)?.doc.getMap('m').get('x') === 1);

    const bad = client(s, room, null, { protocols: tokenProtocols('not-a-token') });
    expect((await withTimeout(bad.closed, 3000, 'bad token')).code).toBe(4401);
    const none = client(s, room, null, { protocols: [SYNC_PROTOCOL] });
    expect((await withTimeout(none.closed, 3000, 'no token')).code).toBe(4401);

    // A client offering other subprotocols gets the first of them (never a token) selected, as
    // before, and is authenticated as before.
    const other = client(s, room, token, { protocols: [`${TOKEN_PROTOCOL_PREFIX}x`, 'other', 'more'] });
    await synced(other);
    expect((other.provider.ws as unknown as import('ws').WebSocket).protocol).toBe('other');
  });

  it('closes with 4403 for a room the person may not read, sending none of its content', async () => {
    const s = await server();
    const logistics = s.org.createGroup({ kind: 'department', name: 'Logistics' });
    const space = s.org.createSpace({
      name: 'Warehouse',
      kind: 'project',
      audience: 'groups',
      audienceGroupIds: [logistics.id],
      postingPolicy: 'members'
    });
    const room = `space/${space.id}`;
    const insider = client(s, room, s.addUser('in', { groupIds: [logistics.id] }).token);
    await synced(insider);
    insider.doc.getMap('m').set('secret', 'plans');
    await waitFor(() => s.rooms.get(room)?.pending === 0);

    const outsider = s.addUser('out');
    const raw = rawConnect(s, room, outsider.token);
    expect((await withTimeout(raw.closed, 3000, 'close')).code).toBe(4403);
    expect(raw.messages).toHaveLength(0);
    const partition = rawConnect(s, `${room}/2026-11`, outsider.token);
    expect((await withTimeout(partition.closed, 3000, 'close')).code).toBe(4403);
    const other = rawConnect(s, 'user/a/b', outsider.token);
    expect((await withTimeout(other.closed, 3000, 'close')).code).toBe(4404);
    const someoneElse = rawConnect(s, `user/somebody-else`, outsider.token);
    expect((await withTimeout(someoneElse.closed, 3000, 'close')).code).toBe(4403);
    expect(someoneElse.messages).toHaveLength(0);
  });

  it('makes exactly one attempt when refused with 4401 or 4403', async () => {
    const s = await server();
    const private_ = `user/not-mine`;
    const unauthorised = countingWebSocket();
    const forbidden = countingWebSocket();
    const a = client(s, openSpace(s), 'bad-token', { WebSocketPolyfill: unauthorised.WS });
    const b = client(s, private_, s.addUser('x').token, { WebSocketPolyfill: forbidden.WS });
    expect((await withTimeout(a.closed, 3000, 'close')).code).toBe(4401);
    expect((await withTimeout(b.closed, 3000, 'close')).code).toBe(4403);
    await sleep(2500); // several backoff periods of a client that would retry (maxBackoffTime 500 ms)
    expect(unauthorised.attempts()).toBe(1);
    expect(forbidden.attempts()).toBe(1);
  });

  it('closes open connections within seconds when a session is revoked or a person deactivated', async () => {
    const s = await server({ sessionCheckMs: 1000 });
    const room = openSpace(s);
    const revoked = s.addUser('r');
    const deactivated = s.addUser('d');
    const a = client(s, room, revoked.token);
    const b = client(s, room, deactivated.token);
    await Promise.all([synced(a), synced(b)]);
    s.auth.revokeSession(s.auth.authenticate(revoked.token)!.session.id);
    s.org.updateUser(deactivated.user.id, { active: false });
    expect((await withTimeout(a.closed, 3000, 'revoked close')).code).toBe(4401);
    expect((await withTimeout(b.closed, 3000, 'deactivated close')).code).toBe(4401);
  });

  it('closes with 4403 when a person loses access to a room while connected', async () => {
    const s = await server({ sessionCheckMs: 1000 });
    const { team, space } = buildTeamSpace(s.org);
    const member = s.addUser('m', { groupIds: [team.id] });
    const c = client(s, `space/${space.id}`, member.token);
    await synced(c);
    s.org.removeMember(team.id, member.user.id);
    expect((await withTimeout(c.closed, 3000, 'close')).code).toBe(4403);
  });

  it('refuses the next connection at once after a revocation or an access change', async () => {
    // Sign-in and access answers are remembered between connections; every change must
    // forget them, or a revoked token would still open rooms for a while.
    const s = await server({ sessionCheckMs: 60_000 });
    const { team, space } = buildTeamSpace(s.org);
    const room = `space/${space.id}`;
    const open = openSpace(s);
    const member = s.addUser('m', { groupIds: [team.id] });
    const leaver = s.addUser('l', { groupIds: [team.id] });
    for (const token of [member.token, leaver.token]) {
      const c = client(s, room, token);
      await synced(c);
      c.destroy();
    }

    s.org.removeMember(team.id, leaver.user.id);
    expect((await withTimeout(client(s, room, leaver.token).closed, 3000, 'left')).code).toBe(4403);
    await synced(client(s, open, leaver.token)); // still signed in: only that room is gone

    s.auth.revokeSession(s.auth.authenticate(member.token)!.session.id);
    expect((await withTimeout(client(s, room, member.token).closed, 3000, 'revoked')).code).toBe(4401);

    await synced(client(s, open, leaver.token));
    s.org.updateUser(leaver.user.id, { active: false });
    expect((await withTimeout(client(s, open, leaver.token).closed, 3000, 'deactivated')).code).toBe(4401);
  });

  it('tells a client that asks what the room has stored after each commit of its updates', async () => {
    const s = await server();
    const room = openSpace(s);
    const { token } = s.addUser('acker');
    const acks: Map<number, number>[] = [];
    const a = client(s, room, token, { params: { [ACK_PARAM]: '1' }, connect: false });
    a.provider.messageHandlers[COMMITTED_MESSAGE] = (_encoder, decoder) => {
      acks.push(Y.decodeStateVector(decoding.readVarUint8Array(decoder)));
    };
    a.provider.connect();
    await synced(a);
    const stored = () => acks.at(-1)?.get(a.doc.clientID) ?? 0;
    a.doc.getMap('m').set('x', 1);
    await waitFor(() => stored() === Y.getState(a.doc.store, a.doc.clientID), 3000, 'first ack');
    a.doc.getText('t').insert(0, 'hello');
    await waitFor(() => stored() === Y.getState(a.doc.store, a.doc.clientID), 3000, 'second ack');
    // The acknowledgement comes after the commit: the state is in the database by then.
    expect(
      (s.db.prepare('SELECT count(*) AS n FROM room_updates WHERE room = ?').get(room) as { n: number }).n +
        s.rooms.get(room)!.storedRows
    ).toBeGreaterThan(0);

    // A client that did not ask never receives one.
    const raw = rawConnect(s, room, token);
    await raw.opened;
    const other = new Y.Doc();
    other.getMap('m').set('y', 2);
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, 0); // sync
    encoding.writeVarUint(encoder, 2); // update
    encoding.writeVarUint8Array(encoder, Y.encodeStateAsUpdate(other));
    raw.ws.send(encoding.toUint8Array(encoder));
    await waitFor(() => a.doc.getMap('m').get('y') === 2, 3000, 'relay');
    await sleep(100);
    expect(raw.messages.some((m) => m[0] === COMMITTED_MESSAGE)).toBe(false);
    raw.ws.close();
  });

  it('accepts the session cookie only from the same origin', async () => {
    const s = await server();
    const room = openSpace(s);
    const { token } = s.addUser('cookie');
    const same = rawConnect(s, room, null, { cookie: `fika_session=${token}`, origin: s.url });
    await same.opened;
    await waitFor(() => same.messages.length > 0, 3000, 'sync step 1');
    same.ws.close();
    const foreign = rawConnect(s, room, null, {
      cookie: `fika_session=${token}`,
      origin: 'https://evil.example'
    });
    expect((await withTimeout(foreign.closed, 3000, 'close')).code).toBe(4401);
  });
});

/** The sync messages a raw client received, in order: sub-type 0 step 1, 1 step 2, 2 update. */
function syncMessages(raw: RawClient): Array<{ sub: number; payload: Uint8Array }> {
  return raw.messages
    .filter((m) => m[0] === 0)
    .map((m) => {
      const decoder = decoding.createDecoder(m);
      decoding.readVarUint(decoder);
      const sub = decoding.readVarUint(decoder);
      return { sub, payload: decoding.readVarUint8Array(decoder) };
    });
}

function syncStep1(stateVector: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, 0);
  encoding.writeVarUint(encoder, 0);
  encoding.writeVarUint8Array(encoder, stateVector);
  return encoding.toUint8Array(encoder);
}

describe('the room sent ahead of the exchange', () => {
  it('sends a small room before the client asks, and that answers its first step 1', async () => {
    const s = await server();
    const room = openSpace(s);
    const writer = client(s, room, s.addUser('writer').token);
    await synced(writer);
    writer.doc.getText('t').insert(0, 'hello');
    await waitFor(() => s.rooms.get(room)?.doc.getText('t').toString() === 'hello', 3000, 'stored');
    await waitFor(() => s.rooms.get(room)!.pending === 0, 3000, 'committed');

    const raw = rawConnect(s, room, s.addUser('reader').token);
    scope.deferLast(() => raw.ws.close());
    await raw.opened;
    await waitFor(() => syncMessages(raw).length >= 2, 3000, 'the opening messages');
    const [ahead, step1] = syncMessages(raw);
    expect(ahead!.sub).toBe(1);
    expect(step1!.sub).toBe(0);
    const copy = new Y.Doc();
    Y.applyUpdate(copy, ahead!.payload);
    expect(copy.getText('t').toString()).toBe('hello');

    // Its first step 1 gets no second answer; what changes meanwhile comes as relays.
    raw.ws.send(syncStep1(Y.encodeStateVector(new Y.Doc())));
    writer.doc.getText('t').insert(5, ' world');
    await waitFor(() => syncMessages(raw).some((m) => m.sub === 2), 3000, 'the relay');
    await sleep(200);
    expect(syncMessages(raw).filter((m) => m.sub === 1)).toHaveLength(1);
    for (const m of syncMessages(raw).filter((m) => m.sub === 2)) Y.applyUpdate(copy, m.payload);
    expect(copy.getText('t').toString()).toBe('hello world');

    // Every later step 1 is answered as before.
    raw.ws.send(syncStep1(Y.encodeStateVector(copy)));
    await waitFor(() => syncMessages(raw).filter((m) => m.sub === 1).length === 2, 3000, 'the answer');
  });

  it("sends a large room only in answer to the client's step 1", async () => {
    const s = await server();
    const room = openSpace(s);
    const writer = client(s, room, s.addUser('writer').token);
    await synced(writer);
    const text = 'x'.repeat(WHOLE_ROOM_AHEAD_MAX_BYTES + 1);
    writer.doc.getText('t').insert(0, text);
    await waitFor(() => s.rooms.get(room)?.doc.getText('t').length === text.length, 3000, 'stored');
    await waitFor(() => s.rooms.get(room)!.pending === 0, 3000, 'committed');

    for (let i = 0; i < 2; i++) {
      // The second connection finds the room already known to be large.
      const raw = rawConnect(s, room, s.addUser(`reader${i}`).token);
      scope.deferLast(() => raw.ws.close());
      await raw.opened;
      await waitFor(() => syncMessages(raw).length >= 1, 3000, 'the opening message');
      await sleep(100);
      expect(syncMessages(raw).map((m) => m.sub)).toEqual([0]);
      raw.ws.send(syncStep1(Y.encodeStateVector(new Y.Doc())));
      await waitFor(() => syncMessages(raw).length === 2, 3000, 'the answer');
      const copy = new Y.Doc();
      Y.applyUpdate(copy, syncMessages(raw)[1]!.payload);
      expect(copy.getText('t').toString()).toBe(text);
    }
  });

  it('sends at once only what a client lacks when it says what it holds, whatever the size', async () => {
    const s = await server();
    const room = openSpace(s);
    const writer = client(s, room, s.addUser('writer').token);
    await synced(writer);
    const text = 'x'.repeat(4 * WHOLE_ROOM_AHEAD_MAX_BYTES);
    writer.doc.getText('t').insert(0, text);
    await waitFor(() => s.rooms.get(room)?.doc.getText('t').length === text.length, 3000, 'stored');
    // A device that synced the room earlier, and was away while one word was added.
    const device = new Y.Doc();
    Y.applyUpdate(device, Y.encodeStateAsUpdate(s.rooms.get(room)!.doc));
    writer.doc.getText('t').insert(0, 'new ');
    await waitFor(
      () => s.rooms.get(room)!.pending === 0 && writer.doc.getText('t').length > text.length,
      3000
    );
    await waitFor(() => s.rooms.get(room)!.doc.getText('t').toString().startsWith('new '), 3000, 'stored');

    const state = encodeStateParam(Y.encodeStateVector(device))!;
    const raw = rawConnect(s, room, s.addUser('device').token, {}, { [STATE_PARAM]: state });
    scope.deferLast(() => raw.ws.close());
    await raw.opened;
    await waitFor(() => syncMessages(raw).length >= 2, 3000, 'the opening messages');
    const [ahead, step1] = syncMessages(raw);
    expect([ahead!.sub, step1!.sub]).toEqual([1, 0]);
    expect(ahead!.payload.byteLength).toBeLessThan(200);
    Y.applyUpdate(device, ahead!.payload);
    expect(device.getText('t').toString()).toBe(`new ${text}`);
  });

  it('refuses a state parameter that is not a state vector, before sending anything', async () => {
    const s = await server();
    const room = openSpace(s);
    const { token } = s.addUser('device');
    // Not base64url; not canonical; one client without its clock; a state vector with trailing bytes.
    const bad = ['!!', 'AAB', 'AQE', `${encodeStateParam(Uint8Array.of(1, 5, 7))!}AA`];
    for (const value of bad) {
      const raw = rawConnect(s, room, token, {}, { [STATE_PARAM]: value });
      expect(await raw.closed).toMatchObject({ code: CloseCodes.BadMessage.code });
      expect(raw.messages).toHaveLength(0);
    }
    const good = rawConnect(s, room, token, {}, { [STATE_PARAM]: encodeStateParam(Uint8Array.of(1, 5, 7))! });
    scope.deferLast(() => good.ws.close());
    await good.opened;
    await waitFor(() => syncMessages(good).length >= 2, 3000, 'the opening messages');
  });
});

describe('read-only connections', () => {
  it('receive the room but their updates are never applied, stored or relayed', async () => {
    const s = await server();
    const room = openSpace(s);
    const space = room.split('/')[1]!;
    const owner = s.addUser('owner');
    const doc = s.org.createDocument({ spaceId: space, ownerId: owner.user.id });
    const docRoom = `doc/${doc.id}`;
    const writer = client(s, docRoom, owner.token);
    const reader = client(s, docRoom, s.addUser('reader').token);
    await Promise.all([synced(writer), synced(reader)]);
    writer.doc.getText('body').insert(0, 'Policy text');
    await waitFor(() => reader.doc.getText('body').toString() === 'Policy text');

    reader.doc.getText('body').insert(0, 'VANDALISED ');
    reader.doc.getMap('meta').set('title', 'hijacked');
    await sleep(300);
    expect(writer.doc.getText('body').toString()).toBe('Policy text');
    expect(writer.doc.getMap('meta').has('title')).toBe(false);
    expect(await metric(s, 'fika_sync_updates_refused_total', 'reason="read-only"')).toBeGreaterThan(0);
    // The reader stays connected and keeps receiving.
    writer.doc.getText('body').insert(11, '.');
    await waitFor(() => reader.doc.getText('body').toString().endsWith('.'));

    // After a restart, the server's copy holds none of the reader's changes.
    const dataDir = s.config.dataDir;
    writer.destroy();
    reader.destroy();
    await s.stop();
    const again = await server({ dataDir });
    const fresh = client(again, docRoom, owner.token);
    await synced(fresh);
    expect(fresh.doc.getText('body').toString()).toBe('Policy text.');
    expect(fresh.doc.getMap('meta').has('title')).toBe(false);
  });
});

describe('validation hook', () => {
  it('passes the person and the decoded update to the room kind rule and enforces a refusal', async () => {
    const seen: Array<{ user: string; kind: string; structs: number }> = [];
    const rules: RuleSet = {
      ...defaultRules,
      space: (ctx) => {
        seen.push({ user: ctx.user.id, kind: ctx.room.kind, structs: ctx.decoded.structs.length });
        const touchesForbidden = ctx.decoded.structs.some(
          (s) => 'parentSub' in s && (s as { parentSub: string | null }).parentSub === 'forbidden'
        );
        return touchesForbidden ? refuse('forbidden-key', 'That key is not allowed.') : allow;
      },
      user: () => {
        throw new Error('rule crashed');
      }
    };
    const s = await server({ rules });
    const room = openSpace(s);
    const a = s.addUser('a');
    const good = client(s, room, a.token);
    const bad = client(s, room, s.addUser('b').token);
    await Promise.all([synced(good), synced(bad)]);
    good.doc.getMap('m').set('fine', 1);
    await waitFor(() => bad.doc.getMap('m').get('fine') === 1);
    expect(seen.some((e) => e.user === a.user.id && e.kind === 'space' && e.structs > 0)).toBe(true);

    bad.doc.getMap('m').set('forbidden', 'x');
    expect((await withTimeout(bad.closed, 3000, 'refusal')).code).toBe(CloseCodes.UpdateRefused.code);
    await sleep(200);
    expect(good.doc.getMap('m').has('forbidden')).toBe(false);
    expect(await metric(s, 'fika_sync_updates_refused_total', 'reason="forbidden-key"')).toBe(1);

    // A rule that throws refuses rather than lets the update through.
    const own = client(s, `user/${a.user.id}`, a.token);
    await synced(own);
    own.doc.getMap('prefs').set('lang', 'sv');
    expect((await withTimeout(own.closed, 3000, 'refusal')).code).toBe(CloseCodes.UpdateRefused.code);

    // Nothing refused was stored.
    const dataDir = s.config.dataDir;
    await s.stop();
    const again = await server({ dataDir, rules });
    const fresh = client(again, room, again.addUser('c').token);
    await synced(fresh);
    expect(fresh.doc.getMap('m').toJSON()).toEqual({ fine: 1 });
  });
});

describe('updates that hold nothing new', () => {
  it("keeps a member who may not change the room when their device comes back with the room's deletions", async () => {
    // The real rules: only a space's editors change its shared room.
    const s = await scope.server();
    const room = openSpace(s);
    const editor = client(s, room, s.addUser('editor', { role: 'editor' }).token);
    await synced(editor);
    editor.doc.getMap('pinned').set('p1', 1);
    editor.doc.getMap('pinned').set('p1', 2);
    await waitFor(
      () => s.rooms.get(room)?.doc.getMap('pinned').get('p1') === 2 && s.rooms.get(room)!.pending === 0,
      3000,
      'stored'
    );
    const refused = () => metric(s, 'fika_sync_updates_refused_total');
    const refusedBefore = await refused();

    // The member's device synced the room earlier; its answer to the server's step 1 carries the
    // room's delete set.
    const stored = new Y.Doc();
    Y.applyUpdate(stored, Y.encodeStateAsUpdate(s.rooms.get(room)!.doc));
    const member = client(s, room, s.addUser('member').token, { doc: stored });
    // So does a new device's, now that the room is sent to it before it answers.
    const newcomer = client(s, room, s.addUser('newcomer').token);
    await Promise.all([synced(member), synced(newcomer)]);
    expect(newcomer.doc.getMap('pinned').get('p1')).toBe(2);
    await sleep(300);
    expect(member.provider.wsconnected && newcomer.provider.wsconnected).toBe(true);
    expect(await refused()).toBe(refusedBefore);

    // Nor is a reader's answer counted as a dropped update.
    const owner = s.addUser('owner');
    const docRoom = `doc/${s.org.createDocument({ spaceId: room.split('/')[1]!, ownerId: owner.user.id }).id}`;
    const writer = client(s, docRoom, owner.token);
    await synced(writer);
    writer.doc.getText('body').insert(0, 'Policy text, draft');
    writer.doc.getText('body').delete(11, 7);
    await waitFor(
      () => s.rooms.get(docRoom)?.doc.getText('body').toString() === 'Policy text',
      3000,
      'stored'
    );
    const copy = new Y.Doc({ gc: false });
    Y.applyUpdate(copy, Y.encodeStateAsUpdate(s.rooms.get(docRoom)!.doc));
    await synced(client(s, docRoom, s.addUser('reader').token, { doc: copy }));
    await sleep(300);
    expect(await refused()).toBe(refusedBefore);

    // A change of the member's is still refused.
    member.doc.getMap('pinned').set('p2', 3);
    expect((await member.closed).code).toBe(CloseCodes.UpdateRefused.code);
  });
});

describe('bad input', () => {
  function frame(...parts: Array<(e: encoding.Encoder) => void>): Uint8Array {
    const e = encoding.createEncoder();
    for (const p of parts) p(e);
    return encoding.toUint8Array(e);
  }
  const u = (n: number) => (e: encoding.Encoder) => encoding.writeVarUint(e, n);
  const bytes = (b: Uint8Array) => (e: encoding.Encoder) => encoding.writeVarUint8Array(e, b);
  const seq =
    (...parts: Array<(e: encoding.Encoder) => void>) =>
    (e: encoding.Encoder) => {
      for (const p of parts) p(e);
    };

  it('closes only the offending connection with a clear code while others keep syncing', async () => {
    const s = await server({
      maxMessageBytes: 64 * 1024,
      messagesPerSecond: 50,
      messageBurst: 100,
      maxBufferedBytes: 256 * 1024
    });
    const room = openSpace(s);
    const { token } = s.addUser('good');
    const a = client(s, room, token);
    const b = client(s, room, s.addUser('good2').token);
    await Promise.all([synced(a), synced(b)]);
    const attacker = s.addUser('attacker').token;

    const cases: Array<{ name: string; send: (ws: import('ws').WebSocket) => void; code: number }> = [
      {
        name: 'garbage',
        send: (ws) => ws.send(Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff])),
        code: 4400
      },
      { name: 'empty frame', send: (ws) => ws.send(new Uint8Array(0)), code: 4400 },
      {
        name: 'truncated sync',
        send: (ws) => ws.send(frame(u(0), u(2), u(50), (e) => encoding.writeUint8(e, 1))),
        code: 4400
      },
      { name: 'unknown message type', send: (ws) => ws.send(frame(u(7))), code: 4400 },
      {
        name: 'unknown sync type',
        send: (ws) => ws.send(frame(u(0), u(9), bytes(new Uint8Array(2)))),
        code: 4400
      },
      { name: 'trailing bytes', send: (ws) => ws.send(frame(u(3), u(3))), code: 4400 },
      {
        name: 'malformed update',
        send: (ws) => ws.send(frame(u(0), u(2), bytes(Uint8Array.from([5, 200, 1, 2, 3, 4, 5])))),
        code: 4400
      },
      {
        name: 'malformed awareness',
        send: (ws) =>
          ws.send(
            frame(u(1), bytes(frame(u(1), u(123), u(1), (e) => encoding.writeVarString(e, '{not json'))))
          ),
        code: 4400
      },
      {
        name: 'presence of many clients',
        send: (ws) => {
          const entries = Array.from({ length: 9 }, (_, i) =>
            seq(u(5000 + i), u(1), (e) => encoding.writeVarString(e, '{}'))
          );
          ws.send(frame(u(1), bytes(frame(u(9), ...entries))));
        },
        code: 4400
      },
      {
        name: 'oversized presence',
        send: (ws) =>
          ws.send(
            frame(
              u(1),
              bytes(
                frame(u(1), u(6000), u(1), (e) =>
                  encoding.writeVarString(e, JSON.stringify('x'.repeat(20_000)))
                )
              )
            )
          ),
        code: 4400
      },
      { name: 'text frame', send: (ws) => ws.send('hello'), code: 4400 },
      { name: 'oversized', send: (ws) => ws.send(new Uint8Array(100 * 1024)), code: 4413 },
      {
        name: 'flood',
        send: (ws) => {
          for (let i = 0; i < 400; i++) ws.send(frame(u(3)));
        },
        code: 4429
      }
    ];
    for (const c of cases) {
      const raw = rawConnect(s, room, attacker);
      await raw.opened;
      c.send(raw.ws);
      const closed = await withTimeout(raw.closed, 3000, c.name);
      expect({ name: c.name, code: closed.code }).toEqual({ name: c.name, code: c.code });
      a.doc.getMap('m').set(c.name, true);
      await waitFor(() => b.doc.getMap('m').get(c.name) === true, 3000, `sync after ${c.name}`);
    }
    expect((await fetch(`${s.url}/healthz`)).status).toBe(200);
  });

  /**
   * Updates in Yjs's own format (v1) that its decoder reads but no Yjs client makes: one client
   * (`CLIENT`) writing one struct at clock 0, or only a deletion. See sync-server/src/update-shape.ts.
   */
  const CLIENT = 987_654;
  /** One struct of `CLIENT` at clock 0 and no deletions. */
  const oneStruct = (...body: Array<(e: encoding.Encoder) => void>) =>
    frame(u(1), u(1), u(CLIENT), u(0), ...body, u(0));
  const crafted: Array<{ name: string; update: Uint8Array }> = [
    // A garbage-collected range of length 0: applies, and then the document cannot be encoded.
    { name: 'empty struct', update: oneStruct(u(0), u(0)) },
    // A map entry under a parent that its own client makes only later: fails half-way through.
    {
      name: 'parent from the future',
      update: oneStruct(
        (e) => encoding.writeUint8(e, 8 | 0x20), // ContentAny, with a map key
        u(0), // the parent is an item id…
        seq(u(CLIENT), u(5)), // …of this client, after this one
        (e) => encoding.writeVarString(e, 'key'),
        u(1),
        (e) => encoding.writeAny(e, 'value')
      )
    },
    // No structs; a deletion of no items, of items the room does not have yet.
    { name: 'empty deletion', update: frame(u(0), u(1), u(CLIENT + 1), u(1), u(4), u(0)) }
  ];

  it('refuses an update that Yjs decodes but that would break the room, disturbing nobody else', async () => {
    const s = await server();
    const room = openSpace(s);
    const a = client(s, room, s.addUser('a').token);
    const b = client(s, room, s.addUser('b').token);
    await Promise.all([synced(a), synced(b)]);
    const drops: string[] = [];
    for (const [name, c] of Object.entries({ a, b })) {
      c.provider.on('status', ({ status }: { status: string }) => {
        if (status === 'disconnected') drops.push(name);
      });
    }
    a.doc.getText('t').insert(0, 'kept');
    await waitFor(() => b.doc.getText('t').toString() === 'kept');
    const attacker = s.addUser('attacker').token;

    for (const c of crafted) {
      const raw = rawConnect(s, room, attacker);
      await raw.opened;
      raw.ws.send(frame(u(0), u(2), bytes(c.update)));
      const closed = await withTimeout(raw.closed, 3000, c.name);
      expect({ name: c.name, code: closed.code }).toEqual({ name: c.name, code: CloseCodes.BadMessage.code });
      a.doc.getMap('m').set(c.name, true);
      await waitFor(() => b.doc.getMap('m').get(c.name) === true, 3000, `sync after ${c.name}`);
    }
    expect(drops).toEqual([]);

    // Someone joining now, and anyone after a restart, gets the room whole.
    const late = client(s, room, s.addUser('late').token);
    await synced(late);
    expect(late.doc.getText('t').toString()).toBe('kept');
    expect(Y.encodeStateVector(late.doc)).toEqual(Y.encodeStateVector(a.doc));
    const dataDir = s.config.dataDir;
    for (const c of [a, b, late]) c.destroy();
    await s.stop();
    const again = await server({ dataDir });
    const fresh = client(again, room, again.addUser('fresh').token);
    await synced(fresh);
    expect(fresh.doc.getText('t').toString()).toBe('kept');
    expect(Object.keys(fresh.doc.getMap('m').toJSON()).sort()).toEqual(crafted.map((c) => c.name).sort());
  });

  it('answers a burst of sync step 1s at once, and more of them together a second later', async () => {
    // Each answer makes the server go through the whole document; the app sends one after each
    // change that only deletes, so they may come in runs.
    const s = await server();
    const room = openSpace(s);
    const writer = client(s, room, s.addUser('writer').token);
    await synced(writer);
    writer.doc.getText('t').insert(0, 'some text');
    const raw = rawConnect(s, room, s.addUser('prober').token);
    await raw.opened;
    // The room came ahead of the exchange; it answers the connection's first step 1.
    await waitFor(() => raw.messages.some((m) => m[0] === 0 && m[1] === 1), 5000, 'room sent ahead');
    const answers: Array<{ at: number; bytes: string }> = [];
    raw.ws.on('message', (data: Buffer) => {
      if (data[0] === 0 && data[1] === 1)
        answers.push({ at: performance.now(), bytes: data.toString('hex') });
    });
    const emptyState = Y.encodeStateVector(new Y.Doc());
    const sentAt = performance.now();
    for (let i = 0; i < 26; i++) raw.ws.send(frame(u(0), u(0), bytes(emptyState)));
    await waitFor(() => answers.length === 25, 5000, 'every step 1 answered');
    const [first, rest] = [answers.slice(0, 10), answers.slice(10)];
    // The other fifteen waited about a second, and were answered from one encoding.
    expect(rest[0]!.at - sentAt).toBeGreaterThanOrEqual(950);
    expect(rest[0]!.at - first[9]!.at).toBeGreaterThanOrEqual(400);
    expect(new Set(rest.map((a) => a.bytes)).size).toBe(1);
    expect(await metric(s, 'fika_sync_connections')).toBe(2);
  });

  it('disconnects a client that does not read once its send buffer passes the bound', async () => {
    const s = await server({ maxBufferedBytes: 1024 * 1024 });
    const room = openSpace(s);
    const writer = client(s, room, s.addUser('w').token);
    const other = client(s, room, s.addUser('o').token);
    await Promise.all([synced(writer), synced(other)]);
    const slow = rawConnect(s, room, s.addUser('slow').token);
    await slow.opened;
    await waitFor(() => slow.messages.length > 0);
    // Stop reading: the socket's data stays in the kernel, the server's buffer grows.
    (slow.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const closedAt = () => metric(s, 'fika_sync_connections_closed_total', 'code="4408"');
    // 12.8 MB in 32 KiB updates, in small bursts so that the reading client (in this busy test
    // process) keeps up: far more than the kernel's socket buffers and the 1 MiB bound hold.
    const chunk = 'x'.repeat(32 * 1024);
    for (let i = 0; i < 400; i++) {
      writer.doc.getArray('big').push([chunk]);
      if (i % 10 === 0) await sleep(5);
    }
    await waitFor(() => other.doc.getArray('big').length === 400, 20000, 'others still served');
    await waitFor(() => s.sync.connectionCount === 2, 10000, 'slow client disconnected');
    expect(await closedAt()).toBeGreaterThanOrEqual(1);
    expect(other.provider.wsconnected).toBe(true);
  });

  it("refuses a person's connections past their limit, over all their devices, once each", async () => {
    const s = await server({ maxConnectionsPerPerson: 3 });
    const room = openSpace(s);
    const { user, token: phone } = s.addUser('anna');
    const laptop = s.auth.createSession(user.id, 'laptop').token;
    const bo = client(s, room, s.addUser('bo').token);
    const mine = [client(s, room, phone), client(s, room, phone), client(s, room, laptop)];
    await Promise.all([synced(bo), ...mine.map((c) => synced(c))]);

    const counted = countingWebSocket();
    const fourth = client(s, room, laptop, { WebSocketPolyfill: counted.WS });
    const refused = await withTimeout(fourth.closed, 3000, 'the fourth connection closed');
    expect(refused.code).toBe(CloseCodes.TooManyConnections.code);
    expect(refused.reason).toBe(CloseCodes.TooManyConnections.reason);
    expect(fourth.doc.getMap('m').size).toBe(0);

    // Nobody else is disturbed: another person connects, and the three open ones keep syncing.
    const carl = client(s, room, s.addUser('carl').token);
    await synced(carl);
    mine[0]!.doc.getMap('m').set('still', 'here');
    await waitFor(() => bo.doc.getMap('m').get('still') === 'here' && carl.doc.getMap('m').has('still'));

    // A connection the server closes frees its place, as does one the client closes.
    const bad = rawConnect(s, room, phone);
    expect((await withTimeout(bad.closed, 3000, 'refused raw')).code).toBe(
      CloseCodes.TooManyConnections.code
    );
    mine[2]!.destroy();
    await waitFor(() => s.sync.connectionCount === 4, 3000, 'one of anna’s closed');
    const rude = rawConnect(s, room, phone);
    await rude.opened;
    await waitFor(() => rude.messages.length > 0, 3000, 'the room sent');
    rude.ws.send(new Uint8Array([99]));
    expect((await withTimeout(rude.closed, 3000, 'bad message')).code).toBe(CloseCodes.BadMessage.code);
    const again = client(s, room, laptop);
    await synced(again);
    expect(again.doc.getMap('m').get('still')).toBe('here');

    await sleep(2500); // several backoff periods of a client that would retry (maxBackoffTime 500 ms)
    expect(counted.attempts()).toBe(1);
    expect(await metric(s, 'fika_sync_connections_closed_total', 'code="4430"')).toBe(2);
  });
});

describe('storage', () => {
  it('keeps the document identical through compaction and unloading', async () => {
    const s = await server({ compactThreshold: 10, compactQuietMs: 100, roomIdleMs: 500 });
    const room = openSpace(s);
    const { token } = s.addUser('writer');
    const a = client(s, room, token);
    await synced(a);
    for (let i = 0; i < 60; i++) {
      a.doc.getMap('m').set(`k${i}`, i);
      if (i % 7 === 0) a.doc.getText('t').insert(0, `${i} `);
      if (i % 11 === 0) a.doc.getMap('m').delete(`k${i - 1}`);
      await sleep(2);
    }
    await waitFor(() => s.rooms.get(room)?.pending === 0);
    await sleep(300);
    const expected = a.doc.getMap('m').toJSON();
    const expectedText = a.doc.getText('t').toString();
    const serverState = Y.encodeStateAsUpdate(s.rooms.get(room)!.doc);
    const rows = (
      s.db.prepare('SELECT count(*) AS n FROM room_updates WHERE room = ?').get(room) as { n: number }
    ).n;
    expect(rows).toBeLessThan(10);
    expect(await metric(s, 'fika_sync_compactions_total')).toBeGreaterThan(0);

    a.destroy();
    await waitFor(() => s.rooms.get(room) === undefined, 3000, 'unload');
    expect(await metric(s, 'fika_sync_rooms_loaded')).toBe(0);

    const b = client(s, room, token);
    await synced(b);
    expect(b.doc.getMap('m').toJSON()).toEqual(expected);
    expect(b.doc.getText('t').toString()).toBe(expectedText);
    const reloaded = new Y.Doc();
    Y.applyUpdate(reloaded, Y.encodeStateAsUpdate(s.rooms.get(room)!.doc));
    const original = new Y.Doc();
    Y.applyUpdate(original, serverState);
    expect(Y.encodeStateVector(reloaded)).toEqual(Y.encodeStateVector(original));
    expect(reloaded.getMap('m').toJSON()).toEqual(original.getMap('m').toJSON());
  });
});

describe('sleeping rooms', () => {
  const documentsInMemory = (s: TestServer) => metric(s, 'fika_sync_room_documents_in_memory');

  it('lets an unused document leave memory while its clients stay, and wakes it identical', async () => {
    const s = await server({ compactThreshold: 1000, roomIdleMs: 300 });
    const room = openSpace(s);
    const a = client(s, room, s.addUser('anna').token);
    const b = client(s, room, s.addUser('bo').token);
    await Promise.all([synced(a), synced(b)]);
    for (let i = 0; i < 30; i++) {
      a.doc.getMap('m').set(`k${i}`, i);
      if (i % 5 === 0) b.doc.getText('t').insert(0, `${i} `);
      if (i % 7 === 0) a.doc.getMap('m').delete(`k${i - 1}`);
    }
    await waitFor(
      () => b.doc.getMap('m').get('k29') === 29 && a.doc.getText('t').length === b.doc.getText('t').length
    );
    const loaded = s.rooms.get(room)!;
    await waitFor(() => loaded.docInMemory === null, 3000, 'the document to sleep');
    expect(s.rooms.get(room)).toBe(loaded);
    expect(loaded.peers.size).toBe(2);
    expect(await documentsInMemory(s)).toBe(0);
    expect(await metric(s, 'fika_sync_rooms_loaded')).toBe(1);
    // Merged into one row as it fell asleep, so that waking is one read.
    const rows = s.db.prepare('SELECT count(*) AS n FROM room_updates WHERE room = ?').get(room) as {
      n: number;
    };
    expect(rows.n).toBe(1);

    // Presence does not need the document: it goes on without waking the room.
    a.provider.awareness.setLocalStateField('user', { name: 'Anna' });
    await waitFor(() => b.provider.awareness.getStates().get(a.doc.clientID)?.user !== undefined);
    expect(loaded.docInMemory).toBeNull();

    // A change wakes it, and is stored and relayed as any other.
    const wakesBefore = (await metric(s, 'fika_sync_room_wakes_total')) ?? 0;
    b.doc.getMap('m').set('after', 'sleep');
    await waitFor(() => a.doc.getMap('m').get('after') === 'sleep');
    expect(loaded.docInMemory).not.toBeNull();
    expect(await documentsInMemory(s)).toBe(1);
    expect(await metric(s, 'fika_sync_room_wakes_total')).toBe(wakesBefore + 1);
    expect(Y.encodeStateVector(loaded.doc)).toEqual(Y.encodeStateVector(a.doc));
    expect(loaded.doc.getMap('m').toJSON()).toEqual(a.doc.getMap('m').toJSON());
    expect(loaded.doc.getText('t').toString()).toBe(a.doc.getText('t').toString());

    // A client joining a sleeping room gets all of it.
    await waitFor(() => loaded.docInMemory === null, 3000, 'the document to sleep again');
    const c = client(s, room, s.addUser('cecilia').token);
    await synced(c);
    await waitFor(() => c.doc.getMap('m').get('after') === 'sleep');
    expect(Y.encodeStateVector(c.doc)).toEqual(Y.encodeStateVector(a.doc));
    expect(c.doc.getText('t').toString()).toBe(a.doc.getText('t').toString());
    expect(c.doc.getMap('m').toJSON()).toEqual(a.doc.getMap('m').toJSON());
  });

  it('keeps large documents in memory while they are loaded', async () => {
    const s = await server({ roomIdleMs: 200 });
    const small = openSpace(s);
    const large = openSpace(s);
    const { token } = s.addUser('writer');
    const a = client(s, small, token);
    const b = client(s, large, token);
    await Promise.all([synced(a), synced(b)]);
    a.doc.getMap('m').set('k', 'small');
    b.doc.getMap('m').set('k', 'x'.repeat(SLEEP_MAX_BYTES));
    await waitFor(() => s.rooms.get(small)?.pending === 0 && s.rooms.get(large)?.pending === 0);
    await waitFor(() => s.rooms.get(small)!.docInMemory === null, 3000, 'the small document to sleep');
    await sleep(600); // three times the idle time
    expect(s.rooms.get(large)!.docInMemory).not.toBeNull();
    expect(await documentsInMemory(s)).toBe(1);
  });
});

describe('storage checkpoints', () => {
  it('copies the write-ahead log into the database file from a worker, not from commits', async () => {
    const s = await server({ checkpointMs: 100 });
    expect(s.db.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    const file = path.join(s.config.dataDir, 'fika.sqlite');
    const before = fs.statSync(file).size;
    const c = client(s, openSpace(s), s.addUser('w').token);
    await synced(c);
    for (let i = 0; i < 300; i++) c.doc.getMap('m').set(`k${i}`, 'x'.repeat(200));
    await waitFor(
      () => fs.statSync(file).size > before + 32 * 1024,
      5000,
      'checkpoint into the database file'
    );
  });
});

describe('operations', () => {
  it('serves /healthz and Prometheus metrics', async () => {
    const s = await server();
    const res = await fetch(`${s.url}/healthz`);
    expect(res.status).toBe(200);
    // Nothing of Fika's may be framed by another site.
    expect([res.headers.get('x-frame-options'), res.headers.get('content-security-policy')]).toEqual([
      'DENY',
      "frame-ancestors 'none'"
    ]);
    const c = client(s, openSpace(s), s.addUser('m').token);
    await synced(c);
    c.doc.getMap('m').set('x', 1);
    await waitFor(() => s.rooms.names().length === 1 && s.rooms.get(s.rooms.names()[0]!)!.pending === 0);
    const text = await (await fetch(`${s.url}/metrics`)).text();
    for (const name of [
      'fika_sync_connections',
      'fika_sync_rooms_loaded',
      'fika_sync_updates_applied_total',
      'fika_sync_updates_refused_total',
      'fika_sync_bytes_received_total',
      'fika_sync_bytes_sent_total'
    ]) {
      expect(text).toContain(name);
    }
    expect(await metric(s, 'fika_sync_connections')).toBe(1);
    expect(await metric(s, 'fika_sync_updates_applied_total')).toBeGreaterThan(0);
  });
});
