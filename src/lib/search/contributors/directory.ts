/**
 * People and groups, from the directory (`people` and `groups` tables, the `org` room). A person
 * is found by name, job title, department and location (their groups of those kinds), their line
 * about themselves (a label, so it shows in the snippet with the skills) and skills;
 * skills are tags, the most boosted field, so "who knows forklift certification" ranks the people
 * who list it first. A row stored before the directory carried skills has none (and a malformed
 * list from the room is ignored rather than trusted).
 */
import type { FikaDb, GroupRow, PersonRow } from '../../data/db';
import { hash, rowId, type SearchContributor } from '../contributor';

function skillsOf(person: PersonRow): string[] {
  const skills: unknown = person.skills;
  return Array.isArray(skills) ? skills.filter((s): s is string => typeof s === 'string') : [];
}

function groupNames(person: PersonRow, groups: Map<string, GroupRow>, kind: GroupRow['kind']): string {
  return person.groupIds
    .map((id) => groups.get(id))
    .filter((g) => g?.kind === kind)
    .map((g) => g!.name)
    .join(', ');
}

function personDoc(p: PersonRow, groups: Map<string, GroupRow>) {
  const fields = {
    title: p.title,
    department: groupNames(p, groups, 'department'),
    location: groupNames(p, groups, 'location'),
    team: groupNames(p, groups, 'team'),
    about: typeof p.about === 'string' ? p.about : ''
  };
  const tags = skillsOf(p);
  return {
    id: `person:${p.id}`,
    type: 'person',
    title: p.name,
    text: '',
    fields,
    tags,
    spaceId: '',
    at: 0,
    href: `/people?person=${encodeURIComponent(p.id)}`,
    v: hash(JSON.stringify([p.name, fields, tags]))
  };
}

async function groupMap(db: FikaDb): Promise<Map<string, GroupRow>> {
  return new Map((await db.groups.toArray()).map((g) => [g.id, g]));
}

export const people: SearchContributor = {
  type: 'person',
  tables: ['people', 'groups'],
  async versions(db) {
    const [rows, groups] = await Promise.all([db.people.toArray(), groupMap(db)]);
    return new Map(rows.filter((p) => p.active).map((p) => [`person:${p.id}`, personDoc(p, groups).v]));
  },
  async items(db, ids) {
    const [rows, groups] = await Promise.all([db.people.bulkGet(ids.map(rowId)), groupMap(db)]);
    return rows.flatMap((p) => (p?.active ? [personDoc(p, groups)] : []));
  }
};

function groupDoc(g: GroupRow) {
  return {
    id: `group:${g.id}`,
    type: 'group',
    title: g.name,
    text: '',
    fields: { kind: g.kind },
    spaceId: '',
    at: 0,
    href: '/people',
    v: hash(`${g.name}:${g.kind}`)
  };
}

export const groups: SearchContributor = {
  type: 'group',
  tables: ['groups'],
  async versions(db) {
    return new Map((await db.groups.toArray()).map((g) => [`group:${g.id}`, groupDoc(g).v]));
  },
  async items(db, ids) {
    return (await db.groups.bulkGet(ids.map(rowId))).flatMap((g) => (g ? [groupDoc(g)] : []));
  }
};
