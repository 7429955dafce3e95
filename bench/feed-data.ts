/**
 * A data directory for `npm run bench:feed`: one person and one news space for everyone with
 * `posts` posts spread evenly over the months up to now (newest month last), written straight
 * into storage as the demo content is. Texts mix Swedish and English at realistic lengths.
 */
import { randomInt } from 'node:crypto';
import * as Y from 'yjs';
import { openDatabase } from '../sync-server/src/db';
import { ServerEvents } from '../sync-server/src/events';
import { Org } from '../sync-server/src/org';
import { hashPassword } from '../sync-server/src/passwords';
import { SqliteUpdateStore } from '../sync-server/src/persistence';
import { spaceMonthRoom } from '../src/lib/model/rooms';
import { addComment, addPost, react } from '../src/lib/model/space-room';
import { sentence } from './words';

export const BENCH_EMAIL = 'bench@bench.example';
export const BENCH_PASSWORD = 'bench-password-long-enough';
export const BENCH_SPACE = 'bench-news';

export async function generateFeedData(
  dir: string,
  posts: number,
  months: number
): Promise<{ userId: string }> {
  const db = openDatabase(dir, { synchronous: 'normal' });
  const org = new Org(db, new ServerEvents());
  const user = org.createUser({
    email: BENCH_EMAIL,
    name: 'Bench Person',
    role: 'admin',
    passwordHash: await hashPassword(BENCH_PASSWORD)
  });
  const author = org.createUser({
    email: 'author@bench.example',
    name: 'Anna Author',
    role: 'editor',
    passwordHash: '!'
  });
  org.createSpace({
    id: BENCH_SPACE,
    name: 'Bench news',
    kind: 'news',
    audience: 'everyone',
    postingPolicy: 'members'
  });
  const store = new SqliteUpdateStore(db);
  const now = Date.now();
  const perMonth = Math.ceil(posts / months);
  let written = 0;
  for (let m = months - 1; m >= 0 && written < posts; m--) {
    const monthStart = new Date(Date.UTC(new Date(now).getUTCFullYear(), new Date(now).getUTCMonth() - m, 1));
    const monthEnd =
      m === 0 ? now : Date.UTC(monthStart.getUTCFullYear(), monthStart.getUTCMonth() + 1, 1) - 1;
    const doc = new Y.Doc();
    doc.clientID = randomInt(1, 2 ** 31);
    const count = Math.min(perMonth, posts - written);
    const step = (monthEnd - monthStart.getTime()) / count;
    doc.transact(() => {
      for (let i = 0; i < count; i++) {
        const id = `p${written + i}`;
        const createdAt = Math.floor(monthStart.getTime() + i * step);
        addPost(doc, {
          id,
          authorId: author.id,
          createdAt,
          text: `${sentence(6)} ${sentence(12 + (i % 30))}${i % 5 === 0 ? `\n\n- ${sentence(4)}\n- ${sentence(5)}` : ''}`
        });
        if (i % 4 === 0) {
          addComment(doc, {
            id: `${id}-c`,
            postId: id,
            parentId: null,
            authorId: user.id,
            createdAt: createdAt + 1,
            text: sentence(10)
          });
          react(doc, id, user.id, 'like', createdAt + 2);
        }
      }
    });
    store.commit([{ room: spaceMonthRoom(BENCH_SPACE, monthStart), update: Y.encodeStateAsUpdate(doc) }]);
    written += count;
  }
  db.close();
  return { userId: user.id };
}
