/**
 * Profiles' skills end to end: a real server on an ephemeral port with a real SQLite file, the
 * API that sets them (a person their own, an admin anyone's) and a stock y-websocket client of
 * the `org` room that receives them.
 */
import { describe, expect, it } from 'vitest';
import { readDirectory } from '../../src/lib/model/org-room';
import { SkillLimits } from '../../src/lib/model/org';
import { waitFor, synced, type TestServer } from '../support/server';
import { testScope } from '../support/scope';

const scope = testScope();
const { server, client } = scope;

async function put(s: TestServer, token: string | null, url: string, json: unknown) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token !== null) headers.authorization = `Bearer ${token}`;
  const res = await fetch(s.url + url, { method: 'PUT', headers, body: JSON.stringify(json) });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- test responses are inspected loosely
  const body: any = await res.json();
  return { status: res.status, json: body };
}

describe('skills', () => {
  it('a person sets their own, normalised, and the org room carries them to a stock client', async () => {
    const s = await server();
    const sara = s.addUser('sara');
    const reader = s.addUser('johan');
    const c = client(s, 'org', reader.token);
    await synced(c);
    const skillsInRoom = () => readDirectory(c.doc).people.find((p) => p.id === sara.user.id)?.skills;
    await waitFor(() => skillsInRoom() !== undefined, 3000, 'sara listed');
    expect(skillsInRoom()).toEqual([]);

    const res = await put(s, sara.token, '/api/me/skills', {
      skills: ['  Forklift   certification ', 'Truckkort', 'forklift CERTIFICATION', 'Excel']
    });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ skills: ['Forklift certification', 'Truckkort', 'Excel'] });
    // Hidden characters go: a NUL, a bell, a right-to-left override; an emoji's joiner stays.
    const hidden = await put(s, sara.token, '/api/me/skills', {
      skills: ['\u0000Lean', 'Sä\u0007kerhet', '\u202Egnp', '👩\u200D🔧 Service', '\u0000']
    });
    expect(hidden.status).toBe(400);
    expect(hidden.json.message).toMatch(/Skill number 5 is empty/);
    const cleaned = await put(s, sara.token, '/api/me/skills', {
      skills: ['\u0000Lean', 'Sä\u0007kerhet', '\u202Egnp', '👩\u200D🔧 Service']
    });
    expect(cleaned.json).toEqual({ skills: ['Lean', 'Säkerhet', 'gnp', '👩\u200D🔧 Service'] });
    const about = await put(s, sara.token, '/api/me/about', { about: 'hi\u0000 \u202Ethere' });
    expect(about.json).toEqual({ about: 'hi there' });
    await put(s, sara.token, '/api/me/skills', {
      skills: ['  Forklift   certification ', 'Truckkort', 'forklift CERTIFICATION', 'Excel']
    });
    await waitFor(() => skillsInRoom()?.length === 3, 3000, 'skills in the org room');
    expect(skillsInRoom()).toEqual(['Forklift certification', 'Truckkort', 'Excel']);
    expect(s.org.skillsOf(sara.user.id)).toEqual(['Forklift certification', 'Truckkort', 'Excel']);

    // Replacing the list keeps the new order; an empty list clears it.
    await put(s, sara.token, '/api/me/skills', { skills: ['Excel', 'Truckkort'] });
    await waitFor(() => skillsInRoom()?.[0] === 'Excel', 3000, 'reordered');
    expect(skillsInRoom()).toEqual(['Excel', 'Truckkort']);
    expect((await put(s, sara.token, '/api/me/skills', { skills: [] })).json).toEqual({ skills: [] });
    await waitFor(() => skillsInRoom()?.length === 0, 3000, 'cleared');
  });

  it('refuses bad lists with 400 and a sentence, changing nothing', async () => {
    const s = await server();
    const sara = s.addUser('sara');
    expect((await put(s, sara.token, '/api/me/skills', { skills: ['Lean'] })).status).toBe(200);
    const tooMany = Array.from({ length: SkillLimits.count + 1 }, (_, i) => `Skill ${i}`);
    const cases: [unknown, RegExp][] = [
      [{ skills: ['Excel', '   '] }, /Skill number 2 is empty/],
      [{ skills: ['x'.repeat(SkillLimits.length + 1)] }, /longer than 60 characters/],
      [{ skills: tooMany }, /At most 30 skills, not 31/],
      [{ skills: 'Excel' }, /Invalid request/],
      [{ skills: [42] }, /Invalid request/],
      [{ skills: ['Excel'], about: 'x' }, /Invalid request/],
      [{}, /Invalid request/]
    ];
    for (const [body, message] of cases) {
      const res = await put(s, sara.token, '/api/me/skills', body);
      expect([res.status, res.json.error]).toEqual([400, 'invalid-request']);
      expect(res.json.message).toMatch(message);
    }
    // Thirty distinct skills after dropping repeats are within the limit.
    const withRepeats = [...tooMany.slice(0, SkillLimits.count), 'skill 0'];
    expect((await put(s, sara.token, '/api/me/skills', { skills: withRepeats })).status).toBe(200);
    expect(s.org.skillsOf(sara.user.id)).toHaveLength(SkillLimits.count);
    expect((await put(s, null, '/api/me/skills', { skills: ['Excel'] })).status).toBe(401);
  });

  it('a person sets one line about themselves, also published in the org room', async () => {
    const s = await server();
    const sara = s.addUser('sara');
    const c = client(s, 'org', s.addUser('johan').token);
    await synced(c);
    const aboutInRoom = () => readDirectory(c.doc).people.find((p) => p.id === sara.user.id)?.about;
    await waitFor(() => aboutInRoom() === '', 3000, 'sara listed');

    const res = await put(s, sara.token, '/api/me/about', { about: ' Fråga mig om\ntruckkort. ' });
    expect(res).toEqual({ status: 200, json: { about: 'Fråga mig om truckkort.' } });
    await waitFor(() => aboutInRoom() === 'Fråga mig om truckkort.', 3000, 'about in the org room');

    const long = await put(s, sara.token, '/api/me/about', { about: 'x'.repeat(161) });
    expect([long.status, long.json.error]).toEqual([400, 'invalid-request']);
    expect(long.json.message).toMatch(/longer than 160 characters/);
    expect((await put(s, sara.token, '/api/me/about', { about: 7 })).status).toBe(400);
    expect(s.org.aboutOf(sara.user.id)).toBe('Fråga mig om truckkort.');
    const staff = await put(s, s.addUser('lina').token, `/api/admin/users/${sara.user.id}/about`, {
      about: 'Hacked'
    });
    expect(staff.status).toBe(403);
    expect(s.org.aboutOf(sara.user.id)).toBe('Fråga mig om truckkort.');
  });

  it('lets only an admin set another person’s skills', async () => {
    const s = await server();
    const sara = s.addUser('sara');
    const johan = s.addUser('johan');
    const editor = s.addUser('erik', { role: 'editor' });
    const admin = s.addUser('astrid', { role: 'admin' });
    const url = `/api/admin/users/${sara.user.id}/skills`;
    for (const other of [johan, editor]) {
      const res = await put(s, other.token, url, { skills: ['Hacked'] });
      expect([res.status, res.json.error]).toEqual([403, 'forbidden']);
    }
    expect(s.org.skillsOf(sara.user.id)).toEqual([]);
    const res = await put(s, admin.token, url, { skills: ['Forklift certification'] });
    expect(res.status).toBe(200);
    expect(s.org.skillsOf(sara.user.id)).toEqual(['Forklift certification']);
    const missing = await put(s, admin.token, '/api/admin/users/nobody/skills', { skills: [] });
    expect([missing.status, missing.json.error]).toEqual([404, 'not-found']);
  });
});
