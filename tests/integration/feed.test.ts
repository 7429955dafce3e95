/**
 * The feed's server API end to end: a real server on an ephemeral port with a real SQLite file,
 * stock y-websocket clients for the targeted post rooms, and real image files for uploads.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { spaceMonthRoom } from '../../src/lib/model/rooms';
import { addPost, posts, reach, reads } from '../../src/lib/model/space-room';
import { DEMO_PASSWORD, seedDemo } from '../../sync-server/src/demo';
import { seedDemoContent } from '../../sync-server/src/demo-content';
import { hashPassword } from '../../sync-server/src/passwords';
import { FAST_SCRYPT } from '../factories';
import type { Group, Space } from '../../sync-server/src/org';
import { rawConnect, startServer, synced, waitFor, withTimeout, type TestServer } from '../support/server';
import { testScope } from '../support/scope';
import { GIF_1X1, SVG, WEBP_1X1, makeJpeg, makePng, pngHeaderOnly } from '../support/images';

const scope = testScope();
const { server, client } = scope;

interface CallOptions {
  json?: unknown;
  body?: Buffer | ReadableStream<Uint8Array>;
  type?: string;
  headers?: Record<string, string>;
}

async function call(
  s: TestServer,
  token: string | null,
  method: string,
  url: string,
  opts: CallOptions = {}
) {
  const headers: Record<string, string> = { ...opts.headers };
  if (token !== null) headers.authorization = `Bearer ${token}`;
  let body: BodyInit | undefined;
  if (opts.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(opts.json);
  } else if (opts.body !== undefined) {
    if (opts.type !== undefined) headers['content-type'] = opts.type;
    body = opts.body as BodyInit;
  }
  const res = await fetch(s.url + url, {
    method,
    headers,
    body,
    ...(opts.body instanceof ReadableStream ? { duplex: 'half' } : {})
  } as RequestInit);
  const bytes = Buffer.from(await res.arrayBuffer());
  const isJson = res.headers.get('content-type')?.startsWith('application/json') ?? false;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- test responses are inspected loosely
  const json: any = isJson && bytes.length > 0 ? JSON.parse(bytes.toString()) : null;
  return { status: res.status, headers: res.headers, json, bytes };
}

/**
 * The organisation most tests use: Stockholm and Göteborg, an everyone space, and a space for
 * Göteborg only. Erik is an editor in Stockholm, Astrid an admin in Göteborg, Elin staff in
 * Stockholm, Sara staff in Göteborg, Nils an editor in Stockholm too.
 */
async function feedOrg(opts: Parameters<typeof startServer>[0] = {}) {
  const s = await server(opts);
  const stockholm = s.org.createGroup({ id: 'stockholm', kind: 'location', name: 'Stockholm' });
  const goteborg = s.org.createGroup({ id: 'goteborg', kind: 'location', name: 'Göteborg' });
  const it = s.org.createGroup({ id: 'it', kind: 'department', name: 'IT' });
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
  const nils = s.addUser('nils', { role: 'editor', groupIds: [stockholm.id] });
  const astrid = s.addUser('astrid', { role: 'admin', groupIds: [goteborg.id] });
  const elin = s.addUser('elin', { groupIds: [stockholm.id, it.id] });
  const sara = s.addUser('sara', { groupIds: [goteborg.id] });
  return { s, stockholm, goteborg, it, allStaff, office, erik, nils, astrid, elin, sara };
}

type FeedOrg = Awaited<ReturnType<typeof feedOrg>>;

async function createTargeted(
  f: FeedOrg,
  space: Space,
  groups: Group[]
): Promise<{ id: string; room: string }> {
  const res = await call(f.s, f.erik.token, 'POST', `/api/spaces/${space.id}/targeted-posts`, {
    json: { groupIds: groups.map((g) => g.id) }
  });
  expect(res.status).toBe(201);
  return res.json;
}

/** Every file under the data dir's uploads directory, relative to it. */
function uploadedFiles(s: TestServer): string[] {
  const dir = path.join(s.config.dataDir, 'uploads');
  return (fs.readdirSync(dir, { recursive: true }) as string[])
    .filter((name) => fs.statSync(path.join(dir, name)).isFile())
    .sort();
}

describe('targeted posts', () => {
  it('are created only by admins and editors who see the space, for valid groups', async () => {
    const f = await feedOrg();
    const url = `/api/spaces/${f.allStaff.id}/targeted-posts`;
    const created = await call(f.s, f.erik.token, 'POST', url, { json: { groupIds: ['stockholm'] } });
    expect(created.status).toBe(201);
    expect(created.json.room).toBe(`post/all-staff/${created.json.id}`);
    expect(f.s.org.getTargetedPost('all-staff', created.json.id)).toMatchObject({
      authorId: f.erik.user.id,
      targetGroupIds: ['stockholm']
    });

    const staff = await call(f.s, f.elin.token, 'POST', url, { json: { groupIds: ['stockholm'] } });
    expect(staff.status).toBe(403);
    expect(staff.json.error).toBe('forbidden');
    expect((await call(f.s, null, 'POST', url, { json: { groupIds: ['stockholm'] } })).status).toBe(401);

    // A space the editor cannot see answers like one that does not exist.
    const hidden = await call(f.s, f.erik.token, 'POST', `/api/spaces/${f.office.id}/targeted-posts`, {
      json: { groupIds: ['goteborg'] }
    });
    const missing = await call(f.s, f.erik.token, 'POST', '/api/spaces/no-such-space/targeted-posts', {
      json: { groupIds: ['goteborg'] }
    });
    expect([hidden.status, missing.status]).toEqual([404, 404]);
    expect(hidden.json).toEqual(missing.json);

    for (const [groupIds, error] of [
      [[], 'invalid-request'],
      [['stockholm', 'stockholm'], 'invalid-request'],
      [Array.from({ length: 51 }, (_, i) => `g${i}`), 'invalid-request'],
      [['no-such-group'], 'invalid-target'],
      [['bad id!'], 'invalid-request']
    ] as const) {
      const res = await call(f.s, f.erik.token, 'POST', url, { json: { groupIds } });
      expect(res.status, JSON.stringify(groupIds)).toBe(400);
      expect(res.json.error).toBe(error);
      expect(res.json.message).toEqual(expect.any(String));
    }

    // In a space for groups, targets must be among its audience.
    const astridUrl = `/api/spaces/${f.office.id}/targeted-posts`;
    const outside = await call(f.s, f.astrid.token, 'POST', astridUrl, { json: { groupIds: ['stockholm'] } });
    expect(outside.status).toBe(400);
    expect(outside.json.error).toBe('invalid-target');
    expect(outside.json.message).toMatch(/not in the audience/);
    const inside = await call(f.s, f.astrid.token, 'POST', astridUrl, { json: { groupIds: ['goteborg'] } });
    expect(inside.status).toBe(201);
  });

  it('reach only target members who see the space, and the author', async () => {
    const f = await feedOrg();
    // Targeted at IT: Elin is a member, Erik (the author) is not.
    const { id, room } = await createTargeted(f, f.allStaff, [f.it]);
    const author = client(f.s, room, f.erik.token);
    await synced(author);
    author.doc.transact(() =>
      addPost(author.doc, {
        id,
        authorId: f.erik.user.id,
        createdAt: Date.now(),
        text: 'Server maintenance tonight',
        important: true,
        targetGroupIds: ['it']
      })
    );

    const member = client(f.s, room, f.elin.token);
    await synced(member);
    await waitFor(() => posts(member.doc).has(id), 3000, 'the post at a target member');
    expect(String(posts(member.doc).get(id)!.get('text'))).toBe('Server maintenance tonight');

    // Same space, not targeted: refused before any content, admins included.
    for (const outsider of [f.sara, f.astrid, f.nils]) {
      const raw = rawConnect(f.s, room, outsider.token);
      expect((await withTimeout(raw.closed, 3000, 'refusal')).code).toBe(4403);
      expect(raw.messages).toHaveLength(0);
    }
    // A post room named with another space does not open it either.
    const wrongSpace = rawConnect(f.s, `post/goteborg-office/${id}`, f.elin.token);
    expect((await withTimeout(wrongSpace.closed, 3000, 'refusal')).code).toBe(4403);

    const roomsOf = async (token: string) =>
      ((await call(f.s, token, 'GET', '/api/me')).json.rooms as { room: string }[]).filter(
        (r) => r.room === room
      );
    expect(await roomsOf(f.elin.token)).toEqual([
      { room, access: 'write', kind: 'post', spaceId: 'all-staff', postId: id }
    ]);
    expect(await roomsOf(f.erik.token)).toHaveLength(1);
    expect(await roomsOf(f.sara.token)).toEqual([]);
    expect(await roomsOf(f.astrid.token)).toEqual([]);
  });

  it('disconnects a member who leaves the target group, within seconds', async () => {
    const f = await feedOrg({ sessionCheckMs: 1000 });
    const { room } = await createTargeted(f, f.allStaff, [f.it]);
    const member = client(f.s, room, f.elin.token);
    await synced(member);
    f.s.org.removeMember(f.it.id, f.elin.user.id);
    expect((await withTimeout(member.closed, 3000, 'close')).code).toBe(4403);
    const again = rawConnect(f.s, room, f.elin.token);
    expect((await withTimeout(again.closed, 3000, 'refusal')).code).toBe(4403);
  });

  it("list their audience to the author and the space's editors only", async () => {
    const f = await feedOrg();
    const { id } = await createTargeted(f, f.allStaff, [f.stockholm]);
    const url = `/api/spaces/all-staff/targeted-posts/${id}/audience`;
    const expected = [f.erik, f.nils, f.elin].map((p) => p.user.id).sort();
    const byAuthor = await call(f.s, f.erik.token, 'GET', url);
    expect(byAuthor.status).toBe(200);
    expect(byAuthor.json).toEqual({ userIds: expected, targetGroupIds: ['stockholm'] });
    // An editor of the space sees it; a member of the audience who is not an editor may not.
    expect((await call(f.s, f.nils.token, 'GET', url)).json.userIds).toEqual(expected);
    expect((await call(f.s, f.elin.token, 'GET', url)).status).toBe(403);
    // Someone the post does not reach learns nothing of it.
    const outsider = await call(f.s, f.sara.token, 'GET', url);
    expect(outsider.status).toBe(404);
    expect(outsider.json.error).toBe('not-found');
    // A deactivated member drops out of the audience.
    f.s.org.updateUser(f.nils.user.id, { active: false });
    expect((await call(f.s, f.erik.token, 'GET', url)).json.userIds).toEqual(
      [f.erik, f.elin].map((p) => p.user.id).sort()
    );
  });
});

describe('space audience', () => {
  it('lists the active people who see the space, to members of its audience', async () => {
    const f = await feedOrg();
    const office = await call(f.s, f.sara.token, 'GET', '/api/spaces/goteborg-office/audience');
    expect(office.status).toBe(200);
    expect(office.json.userIds).toEqual([f.astrid, f.sara].map((p) => p.user.id).sort());
    expect((await call(f.s, f.erik.token, 'GET', '/api/spaces/goteborg-office/audience')).status).toBe(404);
    const all = await call(f.s, f.sara.token, 'GET', '/api/spaces/all-staff/audience');
    expect(all.json.userIds).toHaveLength(5);
  });
});

describe('month partitions', () => {
  it('lists the stored months of a space, newest first, to its audience only', async () => {
    const f = await feedOrg();
    const empty = await call(f.s, f.sara.token, 'GET', '/api/spaces/goteborg-office/months');
    expect(empty.json).toEqual({ months: [] });
    const before = Date.now();
    for (const name of [
      'goteborg-office/2026-09',
      'goteborg-office/2026-11',
      'goteborg-office',
      'all-staff/2026-10'
    ]) {
      // Astrid (an admin in Göteborg) may write each of these, the space's own room included.
      const c = client(f.s, `space/${name}`, f.astrid.token);
      await synced(c);
      if (name.includes('/')) {
        addPost(c.doc, { id: 'x', authorId: f.astrid.user.id, createdAt: Date.now(), text: 'Hej' });
      } else c.doc.getMap('pinned').set('x', { postId: 'x', room: '', by: f.astrid.user.id, at: 1 });
    }
    const res = await call(f.s, f.sara.token, 'GET', '/api/spaces/goteborg-office/months');
    expect(res.status).toBe(200);
    expect(res.json.months.map((m: { month: string }) => m.month)).toEqual(['2026-11', '2026-09']);
    for (const m of res.json.months) expect(Date.parse(m.updatedAt)).toBeGreaterThanOrEqual(before - 1000);

    const hidden = await call(f.s, f.erik.token, 'GET', '/api/spaces/goteborg-office/months');
    expect(hidden.status).toBe(404);
    expect((await call(f.s, f.erik.token, 'GET', '/api/spaces/all-staff/months')).json.months).toEqual([
      { month: '2026-10', updatedAt: expect.any(String) }
    ]);
  });
});

describe('image uploads', () => {
  const upload = (f: FeedOrg, token: string | null, body: Buffer, type: string, space = 'goteborg-office') =>
    call(f.s, token, 'POST', `/api/spaces/${space}/images`, { body, type });

  it('accepts PNG and JPEG with their dimensions and serves them to the space only', async () => {
    const f = await feedOrg();
    const png = makePng(7, 3);
    const stored = await upload(f, f.sara.token, png, 'image/png');
    expect(stored.status).toBe(201);
    expect(stored.json).toEqual({
      id: expect.any(String),
      type: 'image/png',
      width: 7,
      height: 3,
      bytes: png.length
    });
    const jpeg = await upload(f, f.sara.token, makeJpeg(20, 11), 'image/jpeg');
    expect(jpeg.status).toBe(201);
    expect(jpeg.json).toMatchObject({ type: 'image/jpeg', width: 20, height: 11 });
    for (const [body, type] of [
      [GIF_1X1, 'image/gif'],
      [WEBP_1X1, 'image/webp']
    ] as const) {
      const res = await upload(f, f.sara.token, body, type);
      expect(res.status, type).toBe(201);
      expect(res.json).toMatchObject({ type, width: 1, height: 1, bytes: body.length });
    }
    expect(uploadedFiles(f.s)).toHaveLength(4);
    expect(uploadedFiles(f.s)).toEqual(expect.arrayContaining([stored.json.id, jpeg.json.id]));

    const read = await call(f.s, f.astrid.token, 'GET', `/api/uploads/${stored.json.id}`);
    expect(read.status).toBe(200);
    expect(read.bytes.equals(png)).toBe(true);
    expect(read.headers.get('content-type')).toBe('image/png');
    expect(read.headers.get('x-content-type-options')).toBe('nosniff');
    expect(read.headers.get('content-security-policy')).toBe("default-src 'none'");
    expect(read.headers.get('cache-control')).toBe('private, max-age=31536000, immutable');
    const etag = read.headers.get('etag')!;
    expect(etag).toMatch(/^"[0-9a-f]{64}"$/);
    const again = await call(f.s, f.sara.token, 'GET', `/api/uploads/${stored.json.id}`, {
      headers: { 'if-none-match': etag }
    });
    expect(again.status).toBe(304);

    // Outside the space's audience, an image is as absent as one that never existed.
    const hidden = await call(f.s, f.erik.token, 'GET', `/api/uploads/${stored.json.id}`);
    const missing = await call(f.s, f.erik.token, 'GET', '/api/uploads/no-such-image');
    expect([hidden.status, missing.status]).toEqual([404, 404]);
    expect(hidden.json).toEqual(missing.json);
    expect((await call(f.s, null, 'GET', `/api/uploads/${stored.json.id}`)).status).toBe(401);
  });

  it('refuses other types, SVG and a body that is not what it claims with 415, leaving no file', async () => {
    const f = await feedOrg();
    for (const [body, type, error] of [
      [SVG, 'image/svg+xml', 'unsupported-image-type'],
      [Buffer.from('hello'), 'text/plain', 'unsupported-image-type'],
      [makePng(2, 2), 'application/octet-stream', 'unsupported-image-type'],
      [SVG, 'image/png', 'image-type-mismatch'],
      [makePng(2, 2), 'image/jpeg', 'image-type-mismatch'],
      [makeJpeg(8, 8), 'image/gif', 'image-type-mismatch'],
      [Buffer.from([0x89, 0x50]), 'image/png', 'image-type-mismatch']
    ] as const) {
      const res = await upload(f, f.sara.token, body, type);
      expect(res.status, `${type}: ${body.subarray(0, 8).toString('hex')}`).toBe(415);
      expect(res.json.error).toBe(error);
      expect(res.json.message).toEqual(expect.any(String));
    }
    const svg = await upload(f, f.sara.token, SVG, 'image/svg+xml');
    expect(svg.json.message).toMatch(/SVG/);
    expect(uploadedFiles(f.s)).toEqual([]);
  });

  it('refuses damaged headers and absurd dimensions', async () => {
    const f = await feedOrg();
    const damaged = Buffer.concat([makePng(1, 1).subarray(0, 8), Buffer.from('not a chunk at all')]);
    const res = await upload(f, f.sara.token, damaged, 'image/png');
    expect(res.status).toBe(422);
    expect(res.json.error).toBe('invalid-image');
    const huge = await upload(f, f.sara.token, pngHeaderOnly(100_000, 100_000), 'image/png');
    expect(huge.status).toBe(422);
    expect(huge.json.message).toMatch(/100000 × 100000/);
    expect(uploadedFiles(f.s)).toEqual([]);
  });

  it('refuses an image over the limit with 413 naming it, whether announced or streamed', async () => {
    const f = await feedOrg({ maxImageBytes: 4096 });
    const small = makePng(200, 200); // one colour: compresses to well under the limit
    const large = Buffer.concat([makePng(1, 1), Buffer.alloc(10_000, 1)]);
    expect(large.length).toBeGreaterThan(4096);
    const announced = await upload(f, f.sara.token, large, 'image/png');
    expect(announced.status).toBe(413);
    expect(announced.json).toEqual({
      error: 'image-too-large',
      message: 'The image is larger than the limit of 4 KiB (4096 bytes).'
    });
    // Without a length up front (chunked), the count stops it as it arrives.
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < large.length; i += 1000) controller.enqueue(large.subarray(i, i + 1000));
        controller.close();
      }
    });
    const streamed = await call(f.s, f.sara.token, 'POST', '/api/spaces/goteborg-office/images', {
      body: stream,
      type: 'image/png'
    });
    expect(streamed.status).toBe(413);
    expect(streamed.json.error).toBe('image-too-large');
    expect(uploadedFiles(f.s)).toEqual([]);
    // Under the limit still works on the same server.
    expect(small.length).toBeLessThan(4096);
    expect((await upload(f, f.sara.token, small, 'image/png')).status).toBe(201);
  });

  it('refuses a person’s uploads past their allowance for the day, with when to try again', async () => {
    const png = makePng(40, 40);
    const f = await feedOrg({ uploadBytesPerDay: png.length * 2 + 10 });
    for (let i = 0; i < 2; i++) expect((await upload(f, f.sara.token, png, 'image/png')).status).toBe(201);
    const refused = await upload(f, f.sara.token, png, 'image/png');
    expect(refused.status).toBe(429);
    expect(refused.json.error).toBe('upload-allowance');
    expect(refused.json.message).toMatch(
      /^You have uploaded 1 KiB of images in the last 24 hours, and 1 KiB is/
    );
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(23 * 3600);
    expect(retryAfter).toBeLessThanOrEqual(24 * 3600);
    expect(uploadedFiles(f.s)).toHaveLength(2);
    // Each person has an allowance of their own.
    expect((await upload(f, f.astrid.token, png, 'image/png')).status).toBe(201);
  });

  it('leaves nothing behind when the upload is cut off', async () => {
    const f = await feedOrg();
    const png = makePng(50, 50);
    const req = http.request(`${f.s.url}/api/spaces/goteborg-office/images`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${f.sara.token}`,
        'content-type': 'image/png',
        'content-length': String(png.length + 100_000)
      }
    });
    req.on('error', () => {});
    req.write(png);
    await waitFor(
      () => fs.readdirSync(path.join(f.s.config.dataDir, 'uploads', 'tmp')).length === 1,
      3000,
      'temp file'
    );
    req.destroy();
    await waitFor(() => uploadedFiles(f.s).length === 0, 3000, 'temp file removed');
  });

  it('takes uploads from the audience only, and in an editors-only space from its editors', async () => {
    const f = await feedOrg();
    const png = makePng(2, 2);
    expect((await upload(f, f.erik.token, png, 'image/png', 'goteborg-office')).status).toBe(404);
    const staff = await upload(f, f.sara.token, png, 'image/png', 'all-staff');
    expect(staff.status).toBe(403);
    expect((await upload(f, f.erik.token, png, 'image/png', 'all-staff')).status).toBe(201);
    expect((await upload(f, null, png, 'image/png', 'all-staff')).status).toBe(401);
  });
});

describe('images of a targeted post', () => {
  it('are read by the post audience only, and only the uploader attaches them', async () => {
    const f = await feedOrg();
    const upload = (token: string) =>
      call(f.s, token, 'POST', `/api/spaces/${f.allStaff.id}/images`, {
        body: makePng(5, 5),
        type: 'image/png'
      });
    const image = (await upload(f.erik.token)).json.id as string;
    const other = (await upload(f.nils.token)).json.id as string;
    const read = (token: string, id: string) => call(f.s, token, 'GET', `/api/uploads/${id}`);
    // Before it is attached, everyone in the space may read it (as any image of the space).
    expect((await read(f.sara.token, image)).status).toBe(200);

    const url = `/api/spaces/${f.allStaff.id}/targeted-posts`;
    const stolen = await call(f.s, f.erik.token, 'POST', url, {
      json: { groupIds: ['stockholm'], imageIds: [image, other] }
    });
    expect(stolen.status).toBe(400);
    expect(stolen.json.error).toBe('invalid-images');
    expect(stolen.json.message).toContain(other);

    const created = await call(f.s, f.erik.token, 'POST', url, {
      json: { groupIds: ['stockholm'], imageIds: [image] }
    });
    expect(created.status).toBe(201);
    expect((await read(f.erik.token, image)).status).toBe(200); // the author
    expect((await read(f.elin.token, image)).status).toBe(200); // in Stockholm
    expect((await read(f.sara.token, image)).status).toBe(404); // in the space, not in Stockholm
    expect((await read(f.astrid.token, image)).status).toBe(404); // an admin outside the targets
    // Attached once: it cannot be moved to another post.
    const again = await call(f.s, f.erik.token, 'POST', url, {
      json: { groupIds: ['goteborg'], imageIds: [image] }
    });
    expect(again.status).toBe(400);
  });
});

describe('demo content', () => {
  it('targets the Stockholm announcement at Stockholm only and confirms the all-staff one', async () => {
    const s = await server();
    await seedDemo(s.org, { passwordHash: await hashPassword(DEMO_PASSWORD, FAST_SCRYPT) });
    const now = Date.now();
    seedDemoContent(s, now);
    const token = (id: string) => s.auth.createSession(id, 'test').token;
    const postRooms = async (id: string) =>
      ((await call(s, token(id), 'GET', '/api/me')).json.rooms as { kind: string; room: string }[]).filter(
        (r) => r.kind === 'post'
      );

    const [targeted] = await postRooms('elin');
    expect(targeted).toMatchObject({ kind: 'post', spaceId: 'all-staff' });
    for (const id of ['erik', 'astrid', 'nils']) expect(await postRooms(id)).toEqual([targeted]);
    for (const id of ['sara', 'johan', 'lina']) expect(await postRooms(id)).toEqual([]);
    const refused = rawConnect(s, targeted!.room, token('sara'));
    expect((await withTimeout(refused.closed, 3000, 'refusal')).code).toBe(4403);
    expect(refused.messages).toHaveLength(0);

    const elin = client(s, targeted!.room, token('elin'));
    await synced(elin);
    const post = [...posts(elin.doc).values()][0]!;
    expect(post.get('authorId')).toBe('erik');
    expect(post.get('important')).toBe(true);
    expect(post.get('targetGroupIds')).toEqual(['stockholm']);
    expect([...reads(elin.doc).values()].map((r) => r.userId).sort()).toEqual(['astrid', 'elin']);

    // The seventh demo post, a day old (each post is a minute older than the one before it).
    const month = client(
      s,
      spaceMonthRoom('all-staff', new Date(now - 24 * 3600 * 1000 - 6 * 60_000)),
      token('sara')
    );
    await synced(month);
    const important = [...posts(month.doc).values()].filter((p) => p.get('important') === true);
    expect(important).toHaveLength(1);
    const id = important[0]!.get('id') as string;
    const confirmed = [...reads(month.doc).values()].filter((r) => r.postId === id).map((r) => r.userId);
    expect(confirmed.sort()).toEqual(['astrid', 'maria', 'nils', 'sara']);
    expect([...reach(month.doc).values()].filter((r) => r.postId === id && r.openedAt)).toHaveLength(4);
  });
});
