/**
 * Runs in the browser (bundled by bench/feed.ts): fills a person's local store with a cache of
 * posts, then times the feed's query for its newest posts, as the home page runs it.
 */
import { openUserDb, type PostRow } from '../src/lib/data/db';
import { feedPage } from '../src/lib/data/queries';

declare global {
  interface Window {
    fikaFeedBench: (posts: number, page: number, runs: number) => Promise<{ times: number[]; rows: number }>;
  }
}

window.fikaFeedBench = async (posts, page, runs) => {
  const userId = `bench-${Date.now()}`;
  const db = openUserDb(userId);
  const now = Date.now();
  const spaces = ['news', 'warehouse', 'it-help', 'goteborg'];
  await db.spaces.bulkPut(
    spaces.map((id) => ({
      id,
      name: id,
      description: '',
      kind: 'news' as const,
      audience: 'everyone' as const,
      audienceGroupIds: [],
      postingPolicy: 'members' as const,
      kioskVisible: false
    }))
  );
  await db.people.bulkPut([
    { id: 'anna', name: 'Anna Author', title: '', email: 'a@x', role: 'staff', active: true, groupIds: [] }
  ]);
  const rows: PostRow[] = [];
  for (let i = 0; i < posts; i++) {
    const spaceId = spaces[i % spaces.length]!;
    const createdAt = now - i * 600_000;
    rows.push({
      id: `p${i}`,
      room: `space/${spaceId}/${new Date(createdAt).toISOString().slice(0, 7)}`,
      spaceId,
      authorId: 'anna',
      text: `Post ${i}: Semester riktlinje lager truck leverans kund kontor möte fika projekt säkerhet rutin.`,
      createdAt,
      editedAt: null,
      commentCount: i % 3,
      reactionCount: i % 5,
      important: i % 500 === 0,
      targetGroupIds: [],
      images: [],
      mentions: []
    });
  }
  await db.posts.bulkPut(rows);
  const times: number[] = [];
  let count = 0;
  for (let run = 0; run < runs; run++) {
    const start = performance.now();
    const result = await feedPage(db, userId, { limit: page });
    times.push(performance.now() - start);
    count = result.length;
  }
  db.close();
  return { times, rows: count };
};
