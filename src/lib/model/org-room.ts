/**
 * The `org` room: the public directory every signed-in person reads. Only the server writes it,
 * from its own tables; clients read it.
 *
 * Y.Doc shape:
 *   getMap('organisation')  'name' → string; 'accessChangedAt' → ms, when people's access last
 *                           changed (apps then fetch /api/me again)
 *   getMap('people')        person id → DirectoryPerson (a plain JSON value, replaced whole)
 *   getMap('groups')        group id → DirectoryGroup
 *   getMap('spaces')        space id → DirectorySpace (only spaces whose audience is everyone;
 *                           a space targeted at groups is listed to its audience by `/api/me`)
 */
import * as Y from 'yjs';
import type { Directory, Group, PublicPerson, Space } from './org';

export type DirectoryPerson = PublicPerson;
export type DirectoryGroup = Group;
export type DirectorySpace = Space;

/** What the `org` room holds. */
export interface OrgRoom extends Directory {
  organisation: { name: string };
}

type Entry = { id: string };

function syncMap<T extends Entry>(map: Y.Map<unknown>, entries: T[]): void {
  const wanted = new Map(entries.map((e) => [e.id, e]));
  for (const key of [...map.keys()]) if (!wanted.has(key)) map.delete(key);
  for (const [id, entry] of wanted) {
    if (JSON.stringify(map.get(id)) !== JSON.stringify(entry)) map.set(id, entry);
  }
}

/**
 * Makes the directory room equal to `directory`, changing only what differs (so an unchanged
 * directory produces no update). Call inside `doc.transact(…, origin)`.
 */
export function writeDirectory(doc: Y.Doc, directory: OrgRoom): void {
  const organisation = doc.getMap<string>('organisation');
  if (organisation.get('name') !== directory.organisation.name) {
    organisation.set('name', directory.organisation.name);
  }
  syncMap(doc.getMap('people'), directory.people);
  syncMap(doc.getMap('groups'), directory.groups);
  syncMap(doc.getMap('spaces'), directory.spaces);
}

/** Reads the directory from an `org` room. */
export function readDirectory(doc: Y.Doc): OrgRoom {
  const values = <T>(name: string) => [...doc.getMap<T>(name).values()];
  return {
    organisation: { name: doc.getMap<string>('organisation').get('name') ?? '' },
    people: values<DirectoryPerson>('people'),
    groups: values<DirectoryGroup>('groups'),
    spaces: values<DirectorySpace>('spaces')
  };
}

/** Records that access changed, so that every open app asks what it may read now. */
export function markAccessChanged(doc: Y.Doc, at: number): void {
  doc.getMap<unknown>('organisation').set('accessChangedAt', at);
}

/** Calls `listener` whenever another device or the server records an access change. */
export function onAccessChanged(doc: Y.Doc, listener: () => void): () => void {
  const organisation = doc.getMap<unknown>('organisation');
  const observer = (event: Y.YMapEvent<unknown>) => {
    if (!event.transaction.local && event.keysChanged.has('accessChangedAt')) listener();
  };
  organisation.observe(observer);
  return () => organisation.unobserve(observer);
}
