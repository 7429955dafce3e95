/**
 * Durability: the server is killed with SIGKILL while several clients stream updates, and again
 * right after the last relay. Everything any client had received from the server must be in the
 * restarted server's copy before any client reconnects; then every client converges.
 */
import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { openDatabase } from '../../sync-server/src/db';
import { ServerEvents } from '../../sync-server/src/events';
import { Org } from '../../sync-server/src/org';
import { Auth } from '../../sync-server/src/auth';
import { loadConfig } from '../../sync-server/src/config';
import { connect, sleep, synced, tempDataDir, waitFor, type Client } from '../support/server';
import { freePort, startServerProcess, type ServerProcess } from '../support/process';
import { makePng } from '../support/images';

const WRITERS = 3;
const OBSERVERS = 2;

let clients: Client[] = [];
let processes: ServerProcess[] = [];
afterEach(() => {
  for (const c of clients) c.destroy();
  for (const p of processes) p.child.kill('SIGKILL');
  clients = [];
  processes = [];
});

/** Creates a space and a person with a session directly in the database, before the server runs. */
function prepare(dataDir: string): { room: string; tokens: string[] } {
  const db = openDatabase(dataDir);
  const events = new ServerEvents();
  const org = new Org(db, events);
  const auth = new Auth(db, org, loadConfig({}), events);
  const space = org.createSpace({
    name: 'Crash',
    kind: 'community',
    audience: 'everyone',
    postingPolicy: 'members'
  });
  const tokens: string[] = [];
  for (let i = 0; i < WRITERS + OBSERVERS + 1; i++) {
    const user = org.createUser({
      email: `p${i}@test.example`,
      name: `P${i}`,
      // Editors: they write arbitrary content into the space's shared room, which its rules
      // allow only to the space's editors.
      role: 'editor',
      passwordHash: 'x'
    });
    tokens.push(auth.createSession(user.id, 'test').token);
  }
  db.close();
  return { room: `space/${space.id}`, tokens };
}

/** What a client has received from the server: the state of every Yjs client but its own. */
function received(client: Client): Map<number, number> {
  const sv = Y.decodeStateVector(Y.encodeStateVector(client.doc));
  sv.delete(client.doc.clientID);
  return sv;
}

function keysSeen(client: Client, writer: number): string[] {
  return [...client.doc.getMap<number>(`w${writer}`).keys()];
}

async function run(mode: 'mid-stream' | 'after-last-relay'): Promise<void> {
  const dataDir = tempDataDir('fika-crash-');
  const port = await freePort();
  const { room, tokens } = prepare(dataDir);
  const server = await startServerProcess({ dataDir, port });
  processes.push(server);
  const writers = Array.from({ length: WRITERS }, (_, i) => connect(server, room, tokens[i]!));
  const observers = Array.from({ length: OBSERVERS }, (_, i) => connect(server, room, tokens[WRITERS + i]!));
  clients.push(...writers, ...observers);
  await Promise.all([...writers, ...observers].map((c) => synced(c)));

  let streaming = true;
  const counts = writers.map(() => 0);
  const streams = writers.map(async (w, i) => {
    while (streaming && (mode === 'mid-stream' || counts[i]! < 300)) {
      w.doc.getMap<number>(`w${i}`).set(String(counts[i]), counts[i]!);
      if (counts[i]! % 10 === 0) w.doc.getText('log').insert(0, `${i}:${counts[i]} `);
      counts[i]!++;
      await sleep(3);
    }
  });

  if (mode === 'mid-stream') {
    await sleep(1500);
    server.child.kill('SIGKILL');
  } else {
    await Promise.all(streams);
    // Kill the moment the last update of every writer has been relayed to an observer.
    await waitFor(
      () => writers.every((_, i) => observers[0]!.doc.getMap(`w${i}`).has(String(counts[i]! - 1))),
      10_000,
      'last relay'
    );
    server.child.kill('SIGKILL');
  }
  await server.exited;
  streaming = false;
  await Promise.all(streams);
  // Keep every client away until the restarted server's copy has been checked.
  for (const c of clients) c.provider.disconnect();

  const seen = [...writers, ...observers].map(received);
  const seenKeys = writers.map((_, i) => new Set(observers.flatMap((o) => keysSeen(o, i))));
  expect(seenKeys.every((k) => k.size > 0)).toBe(true);

  const restarted = await startServerProcess({ dataDir, port });
  processes.push(restarted);
  const verifier = connect(restarted, room, tokens[WRITERS + OBSERVERS]!);
  clients.push(verifier);
  await synced(verifier);
  const stored = Y.decodeStateVector(Y.encodeStateVector(verifier.doc));
  let lost = 0;
  for (const sv of seen) {
    for (const [client, clock] of sv) if ((stored.get(client) ?? 0) < clock) lost++;
  }
  for (const [i, keys] of seenKeys.entries()) {
    for (const key of keys) if (!verifier.doc.getMap(`w${i}`).has(key)) lost++;
  }
  expect(lost).toBe(0);

  // Reconnected, everyone converges on the same document, including what was never relayed.
  for (const c of [...writers, ...observers]) c.provider.connect();
  const all = [...writers, ...observers, verifier];
  await waitFor(
    () => {
      const ref = Y.encodeStateVector(verifier.doc);
      return all.every(
        (c) => Buffer.compare(Buffer.from(Y.encodeStateVector(c.doc)), Buffer.from(ref)) === 0
      );
    },
    15_000,
    'convergence'
  );
  for (const [i] of writers.entries()) {
    expect(verifier.doc.getMap(`w${i}`).size).toBe(counts[i]);
  }
  const text = verifier.doc.getText('log').toString();
  for (const c of all) expect(c.doc.getText('log').toString()).toBe(text);
}

describe('crash safety', () => {
  it('loses nothing any client had received when killed mid-stream', { timeout: 60_000 }, async () => {
    await run('mid-stream');
  });

  it('loses nothing when killed right after the last relay', { timeout: 60_000 }, async () => {
    await run('after-last-relay');
  });
});

describe('graceful shutdown', () => {
  it('commits pending writes on SIGTERM', { timeout: 60_000 }, async () => {
    const dataDir = tempDataDir('fika-term-');
    const port = await freePort();
    const { room, tokens } = prepare(dataDir);
    // A long commit delay keeps the update pending when SIGTERM arrives.
    const server = await startServerProcess({ dataDir, port, env: { FIKA_COMMIT_DELAY_MS: '1000' } });
    processes.push(server);
    const writer = connect(server, room, tokens[0]!);
    clients.push(writer);
    await synced(writer);
    writer.doc.getMap('m').set('pending', true);
    await sleep(100);
    server.child.kill('SIGTERM');
    expect(await server.exited).toEqual({ code: 0, signal: null });
    writer.provider.disconnect();

    const restarted = await startServerProcess({ dataDir, port });
    processes.push(restarted);
    const verifier = connect(restarted, room, tokens[1]!);
    clients.push(verifier);
    await synced(verifier);
    expect(verifier.doc.getMap('m').get('pending')).toBe(true);
  });

  it('finishes a request in progress on SIGTERM, then exits without waiting out keep-alive', async () => {
    const dataDir = tempDataDir('fika-term-');
    const port = await freePort();
    const { room, tokens } = prepare(dataDir);
    const server = await startServerProcess({ dataDir, port });
    processes.push(server);
    // An upload whose body is still arriving when the server is told to stop, on a connection
    // the client keeps alive afterwards.
    const agent = new http.Agent({ keepAlive: true });
    const png = makePng(6, 6);
    const request = http.request(`${server.url}/api/spaces/${room.slice('space/'.length)}/images`, {
      method: 'POST',
      agent,
      headers: {
        authorization: `Bearer ${tokens[0]!}`,
        'content-type': 'image/png',
        'content-length': String(png.length)
      }
    });
    const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
      request.on('response', (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      request.on('error', reject);
    });
    request.write(png.subarray(0, 20));
    await sleep(200);
    server.child.kill('SIGTERM');
    await sleep(300);
    request.end(png.subarray(20));
    expect((await response).status).toBe(201);
    const exited = await Promise.race([server.exited, sleep(10_000).then(() => 'still running')]);
    agent.destroy();
    expect(exited).toEqual({ code: 0, signal: null });
  });
});
