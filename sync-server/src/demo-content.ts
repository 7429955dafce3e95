/**
 * Posts, comments and reactions for the demo organisation, in Swedish and English. Each person's
 * content is written with a Yjs client id of their own, as their own device would, and that id is
 * recorded as theirs in each room (owners.ts), so the content belongs to them under the
 * ownership rules.
 *
 * Two important announcements show the feed's "must read" posts: one to all staff, and one
 * targeted at Stockholm, which lives in its own room (`post/all-staff/<id>`), registered with
 * its target so that it reaches only Stockholm's devices (not Sara's in Göteborg, nor Johan's in
 * Malmö). Whoever confirmed reading one has also opened it, so their reach says so too.
 */
import { randomInt } from 'node:crypto';
import * as Y from 'yjs';
import { postRoom, spaceMonthRoom } from '../../src/lib/model/rooms';
import {
  addComment,
  addPost,
  confirmRead,
  markReach,
  react,
  type Reaction
} from '../../src/lib/model/space-room';
import { SqliteUpdateStore } from './persistence';
import { ClientOwners, type OwnerRecord } from './owners';
import type { Db } from './db';
import type { Org } from './org';
import { demoDocRooms } from './demo-docs';

interface DemoPost {
  space: string;
  author: string;
  daysAgo: number;
  text: string;
  comments?: { author: string; text: string; replyTo?: number }[];
  reactions?: [string, Reaction][];
  reads?: string[];
  /** A "must read" announcement. */
  important?: boolean;
  /** Targeted at these groups: the post gets a room of its own, registered with them. */
  targetGroupIds?: string[];
}

const POSTS: DemoPost[] = [
  {
    space: 'all-staff',
    author: 'erik',
    daysAgo: 0,
    text: '## Välkommen till Fika!\nHär hittar du nyheter, forum och riktlinjer – även utan nät. Kommentera gärna direkt här.',
    comments: [
      { author: 'sara', text: 'Äntligen! Slipper leta i mejlen.' },
      { author: 'erik', text: 'Precis, det är tanken 😊', replyTo: 0 }
    ],
    reactions: [
      ['sara', 'celebrate'],
      ['johan', 'like'],
      ['astrid', 'heart']
    ],
    reads: ['sara', 'astrid']
  },
  {
    space: 'all-staff',
    author: 'astrid',
    daysAgo: 3,
    text: '**Christmas lunch 18 December.** Sign up with your team lead by Friday. Vegetarian and vegan options as always.',
    comments: [{ author: 'johan', text: 'Will there be a remote option for Malmö?' }],
    reactions: [['erik', 'like']]
  },
  {
    space: 'all-staff',
    author: 'erik',
    daysAgo: 40,
    text: 'Nya riktlinjer för tjänsteresor gäller från 1 november. Läs dem under Riktlinjer.',
    reads: ['sara', 'johan', 'astrid']
  },
  {
    space: 'goteborg-office',
    author: 'sara',
    daysAgo: 1,
    text: 'Fredagsfika kl. 15 i lunchrummet – jag tar med kanelbullar!',
    comments: [{ author: 'lina', text: 'Jag tar med kaffe från rosteriet.' }],
    reactions: [
      ['lina', 'heart'],
      ['oskar', 'like']
    ]
  },
  {
    space: 'it-help',
    author: 'johan',
    daysAgo: 2,
    text: 'The VPN certificate renews on Monday. If you cannot connect after that, restart your laptop before calling IT.',
    comments: [{ author: 'maria', text: 'Gäller det även surfplattorna i lagret?' }]
  },
  {
    space: 'warehouse-2027',
    author: 'sara',
    daysAgo: 5,
    text: 'Status: the new racking for hall B is delivered. Installation starts week 50.\n- Hall B: on track\n- Conveyor: waiting for supplier',
    reactions: [['oskar', 'insightful']]
  },
  {
    space: 'all-staff',
    author: 'erik',
    daysAgo: 1,
    important: true,
    text: '**Viktigt: nya passerkort från 1 december.** De gamla korten slutar fungera den dagen – hämta ditt nya i receptionen.\n\n**Important: new access cards from 1 December.** The old cards stop working that day; collect yours at reception.',
    reads: ['astrid', 'sara', 'nils', 'maria']
  },
  {
    space: 'all-staff',
    author: 'erik',
    daysAgo: 0,
    important: true,
    targetGroupIds: ['stockholm'],
    text: '**Brandövning på Stockholmskontoret torsdag kl. 10.** Samling på parkeringen.\n\n**Fire drill at the Stockholm office on Thursday at 10:00.** We gather in the car park.',
    reads: ['astrid', 'elin']
  }
];

/**
 * Writes the demo content straight into storage, and registers its targeted posts; call after
 * seedDemo (the people and groups must exist) and before any client connects.
 */
export function seedDemoContent(server: { db: Db; org: Org }, now = Date.now()): void {
  const store = new SqliteUpdateStore(server.db);
  const docs = new Map<string, Y.Doc>();
  const clientIds = new Map<string, number>();
  const owners = new Map<string, OwnerRecord>();
  const as = (doc: Y.Doc, room: string, person: string, write: () => void) => {
    let id = clientIds.get(person);
    if (id === undefined) {
      do id = randomInt(1, 2 ** 31);
      while ([...clientIds.values()].includes(id));
      clientIds.set(person, id);
    }
    doc.clientID = id;
    doc.transact(write);
    owners.set(`${room}\n${id}`, { room, client: id, userId: person });
  };
  POSTS.forEach((post, i) => {
    // Two hours back at least, so that the comments and reactions that follow a post (up to half
    // an hour later) are in the past too.
    const createdAt = now - 2 * 3600 * 1000 - post.daysAgo * 24 * 3600 * 1000 - i * 60_000;
    const postId = `demo-${i + 1}`;
    const targeted = post.targetGroupIds !== undefined;
    if (targeted) {
      server.org.createTargetedPost({
        id: postId,
        spaceId: post.space,
        authorId: post.author,
        groupIds: post.targetGroupIds!,
        createdAt
      });
    }
    const room = targeted ? postRoom(post.space, postId) : spaceMonthRoom(post.space, new Date(createdAt));
    let doc = docs.get(room);
    if (!doc) {
      doc = new Y.Doc();
      docs.set(room, doc);
    }
    const d = doc;
    as(d, room, post.author, () =>
      addPost(d, {
        id: postId,
        authorId: post.author,
        createdAt,
        text: post.text,
        important: post.important,
        targetGroupIds: post.targetGroupIds
      })
    );
    (post.comments ?? []).forEach((c, j) => {
      const parentId = c.replyTo === undefined ? null : `${postId}-c${c.replyTo + 1}`;
      as(d, room, c.author, () =>
        addComment(d, {
          id: `${postId}-c${j + 1}`,
          postId,
          parentId,
          authorId: c.author,
          createdAt: createdAt + (j + 1) * 600_000,
          text: c.text
        })
      );
    });
    for (const [person, reaction] of post.reactions ?? []) {
      as(d, room, person, () => react(d, postId, person, reaction, createdAt + 300_000));
    }
    for (const person of post.reads ?? []) {
      as(d, room, person, () => {
        if (post.important) markReach(d, postId, person, createdAt + 350_000, true);
        confirmRead(d, postId, person, createdAt + 400_000);
      });
    }
  });
  // The library's documents, each written by its owner (demo-docs.ts).
  for (const { room, author, write } of demoDocRooms(now)) {
    // Documents keep their history (their versions are snapshots of it).
    const doc = new Y.Doc({ gc: false });
    docs.set(room, doc);
    as(doc, room, author, () => write(doc));
  }
  // Owners first, as the server records a claim before the update that makes it.
  new ClientOwners(server.db).record([...owners.values()]);
  store.commit([...docs].map(([room, doc]) => ({ room, update: Y.encodeStateAsUpdate(doc) })));
}
