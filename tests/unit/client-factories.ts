/**
 * Test data for the client's store and sync tests: real Yjs documents written with the model's
 * own mutation functions, and directory entries with `Partial<T>` overrides.
 */
import * as Y from 'yjs';
import type { Me } from '../../src/lib/api';
import type { Group, PublicPerson, Space } from '../../src/lib/model/org';
import { writeDirectory } from '../../src/lib/model/org-room';
import { addComment, addPost, posts, react, type Reaction } from '../../src/lib/model/space-room';

let counter = 0;
const nextId = (prefix: string) => `${prefix}${++counter}`;

export function buildPerson(overrides: Partial<PublicPerson> = {}): PublicPerson {
  const id = overrides.id ?? nextId('person');
  return {
    id,
    name: `Person ${id}`,
    title: '',
    email: `${id}@test.example`,
    role: 'staff',
    active: true,
    groupIds: [],
    ...overrides
  };
}

export function buildSpace(overrides: Partial<Space> = {}): Space {
  const id = overrides.id ?? nextId('space');
  return {
    id,
    name: `Space ${id}`,
    description: '',
    kind: 'community',
    audience: 'everyone',
    audienceGroupIds: [],
    postingPolicy: 'members',
    kioskVisible: false,
    ...overrides
  };
}

export function buildMe(overrides: Partial<Me> & { spaces?: Space[] } = {}): Me {
  const user = {
    id: 'sara',
    email: 'sara@test.example',
    name: 'Sara',
    title: '',
    role: 'staff' as const,
    active: true
  };
  const spaces = overrides.spaces ?? [];
  return {
    user,
    groups: [],
    organisation: { name: 'Test AB' },
    rooms: [
      { room: 'org', access: 'read', kind: 'org' },
      { room: `user/${user.id}`, access: 'write', kind: 'user', userId: user.id },
      ...spaces.map((s) => ({
        room: `space/${s.id}`,
        access: 'write' as const,
        kind: 'space' as const,
        spaceId: s.id
      }))
    ],
    ...overrides,
    spaces
  };
}

/** An `org` room holding `people` and `spaces`. */
export function orgDoc(people: PublicPerson[], spaces: Space[], groups: Group[] = []): Y.Doc {
  const doc = new Y.Doc();
  doc.transact(() => writeDirectory(doc, { organisation: { name: 'Test AB' }, people, groups, spaces }));
  return doc;
}

export interface PostSpec {
  id?: string;
  authorId?: string;
  createdAt?: number;
  text?: string;
  comments?: number;
  deletedComments?: number;
  reactions?: Array<[userId: string, reaction: Reaction]>;
  deleted?: boolean;
  editedAt?: number;
}

/** Adds posts (with comments and reactions) to a space month room's document. */
export function writePosts(doc: Y.Doc, specs: PostSpec[]): string[] {
  return specs.map((spec) => {
    const id = spec.id ?? nextId('post');
    doc.transact(() => {
      addPost(doc, {
        id,
        authorId: spec.authorId ?? 'sara',
        createdAt: spec.createdAt ?? Date.now(),
        text: spec.text ?? `Post ${id}`
      });
      const post = posts(doc).get(id)!;
      if (spec.editedAt !== undefined) post.set('editedAt', spec.editedAt);
      if (spec.deleted) post.set('deleted', true);
      for (let i = 0; i < (spec.comments ?? 0) + (spec.deletedComments ?? 0); i++) {
        const commentId = nextId('comment');
        addComment(doc, {
          id: commentId,
          postId: id,
          parentId: null,
          authorId: 'erik',
          createdAt: Date.now(),
          text: 'Nice'
        });
        if (i >= (spec.comments ?? 0))
          doc.getMap<Y.Map<unknown>>('comments').get(commentId)!.set('deleted', true);
      }
      for (const [userId, reaction] of spec.reactions ?? []) react(doc, id, userId, reaction, Date.now());
    });
    return id;
  });
}
