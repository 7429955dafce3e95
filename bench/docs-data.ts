/**
 * A data directory for `npm run bench:docs`: a space for everyone, the measuring person (an
 * editor, the document's owner), four more editors, and one guideline of about 50 pages
 * (25,000 words: headings, paragraphs and lists) written straight into storage as the demo's
 * documents are, with the history kept (`gc: false`).
 */
import { randomInt } from 'node:crypto';
import * as Y from 'yjs';
import { openDatabase } from '../sync-server/src/db';
import { ServerEvents } from '../sync-server/src/events';
import { Org } from '../sync-server/src/org';
import { hashPassword } from '../sync-server/src/passwords';
import { SqliteUpdateStore } from '../sync-server/src/persistence';
import { docRoom } from '../src/lib/model/rooms';
import { body, setMeta } from '../src/lib/model/doc-room';
import { sentence } from './words';

export const DOC_ID = 'bench-guideline';
export const DOC_PASSWORD = 'bench-password-long-enough';
export const docEmail = (i: number) => `editor${i}@bench.example`;
export const EDITORS = 5;

function element(name: string, children: Array<Y.XmlElement | Y.XmlText>): Y.XmlElement {
  const el = new Y.XmlElement(name);
  el.insert(0, children);
  return el;
}
const paragraph = (text: string) => element('paragraph', [new Y.XmlText(text)]);

/** Writes the org and the document; returns how many words the document holds. */
export async function generateDocData(
  dir: string,
  words: number
): Promise<{ words: number; blocks: number }> {
  const db = openDatabase(dir, { synchronous: 'normal' });
  const org = new Org(db, new ServerEvents());
  const passwordHash = await hashPassword(DOC_PASSWORD);
  const users: Array<{ id: string }> = [];
  for (let i = 0; i < EDITORS; i++) {
    users.push(org.createUser({ email: docEmail(i), name: `Editor ${i}`, role: 'editor', passwordHash }));
  }
  org.createSpace({
    id: 'bench-all',
    name: 'All staff',
    kind: 'news',
    audience: 'everyone',
    postingPolicy: 'editors'
  });
  org.createDocument({ id: DOC_ID, spaceId: 'bench-all', ownerId: users[0]!.id });

  const doc = new Y.Doc({ gc: false });
  doc.clientID = randomInt(1, 2 ** 31);
  let written = 0;
  const blocks: Y.XmlElement[] = [];
  // One paragraph per editor at the top, where each of them types during the benchmark.
  for (let i = 0; i < EDITORS; i++) blocks.push(paragraph(`Editor ${i} writes here.`));
  let section = 0;
  while (written < words) {
    const heading = element('heading', [new Y.XmlText(`${++section}. ${sentence(4)}`)]);
    heading.setAttribute('level', 2 as unknown as string);
    blocks.push(heading);
    written += 5;
    for (let p = 0; p < 8 && written < words; p++) {
      const n = 40 + randomInt(30);
      blocks.push(paragraph(Array.from({ length: Math.ceil(n / 10) }, () => sentence(10)).join(' ')));
      written += n;
    }
    const items = Array.from({ length: 3 }, () => element('listItem', [paragraph(sentence(8))]));
    blocks.push(element('bulletList', items));
    written += 24;
  }
  doc.transact(() => {
    setMeta(
      doc,
      {
        title: 'Bench guideline',
        folder: '',
        status: 'published',
        reviewDate: null,
        requiresConfirmation: false
      },
      users[0]!.id,
      Date.now()
    );
    body(doc).insert(0, blocks);
  });
  new SqliteUpdateStore(db).commit([{ room: docRoom(DOC_ID), update: Y.encodeStateAsUpdate(doc) }]);
  db.close();
  return { words: written, blocks: blocks.length };
}
