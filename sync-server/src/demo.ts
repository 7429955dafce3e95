/**
 * The demo organisation, "Norrsken Logistik AB": departments, locations, people, spaces and
 * documents (demo-docs.ts), with readable ids (`all-staff`, `sara`, …) so that demo content, tests and
 * the printed sign-ins can name them. Posts are seeded separately (demo-content.ts).
 *
 * Everyone signs in with DEMO_PASSWORD. It is hashed once and the hash reused, so seeding
 * costs one scrypt instead of one per person.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { GroupKind, NewSpace, Org, Role } from './org';
import { hashPassword } from './passwords';
import { DATABASE_FILE } from './db';
import { JOURNAL_FILE } from './journal';
import { UPLOADS_DIR } from './uploads';
import { DEMO_DOCS } from './demo-docs';

export const DEMO_ORGANISATION = 'Norrsken Logistik AB';
export const DEMO_PASSWORD = 'fika-demo';

export interface DemoSignIn {
  email: string;
  role: Role;
  description: string;
}

/** The accounts start-up prints, one per kind of experience. */
export const DEMO_SIGN_INS: readonly DemoSignIn[] = [
  {
    email: 'astrid@demo.example',
    role: 'admin',
    description: 'HR manager in Stockholm; manages people and spaces'
  },
  { email: 'erik@demo.example', role: 'editor', description: 'Communications; publishes news to all staff' },
  {
    email: 'sara@demo.example',
    role: 'staff',
    description: 'Warehouse manager in Göteborg; sees Warehouse 2027'
  },
  { email: 'johan@demo.example', role: 'staff', description: 'IT technician in Malmö; answers IT help' }
];

const GROUPS: { id: string; kind: GroupKind; name: string }[] = [
  { id: 'hr', kind: 'department', name: 'HR' },
  { id: 'it', kind: 'department', name: 'IT' },
  { id: 'logistics', kind: 'department', name: 'Logistics' },
  { id: 'sales', kind: 'department', name: 'Sales' },
  { id: 'communications', kind: 'department', name: 'Communications' },
  { id: 'stockholm', kind: 'location', name: 'Stockholm' },
  { id: 'goteborg', kind: 'location', name: 'Göteborg' },
  { id: 'malmo', kind: 'location', name: 'Malmö' }
];

interface DemoPerson {
  id: string;
  name: string;
  title: string;
  role: Role;
  department: string;
  location: string;
}

// Ids are first names in lower case; demo-content.ts refers to them.
const PEOPLE: DemoPerson[] = [
  {
    id: 'astrid',
    name: 'Astrid Lindqvist',
    title: 'HR-chef',
    role: 'admin',
    department: 'hr',
    location: 'stockholm'
  },
  {
    id: 'erik',
    name: 'Erik Johansson',
    title: 'Kommunikationsansvarig',
    role: 'editor',
    department: 'communications',
    location: 'stockholm'
  },
  {
    id: 'sara',
    name: 'Sara Nilsson',
    title: 'Lagerchef',
    role: 'staff',
    department: 'logistics',
    location: 'goteborg'
  },
  {
    id: 'johan',
    name: 'Johan Berg',
    title: 'IT-tekniker',
    role: 'staff',
    department: 'it',
    location: 'malmo'
  },
  {
    id: 'lina',
    name: 'Lina Ahmadi',
    title: 'Säljare',
    role: 'staff',
    department: 'sales',
    location: 'goteborg'
  },
  {
    id: 'oskar',
    name: 'Oskar Lund',
    title: 'Truckförare',
    role: 'staff',
    department: 'logistics',
    location: 'goteborg'
  },
  {
    id: 'maria',
    name: 'Maria Eriksson',
    title: 'Logistikplanerare',
    role: 'staff',
    department: 'logistics',
    location: 'malmo'
  },
  {
    id: 'nils',
    name: 'Nils Karlsson',
    title: 'Försäljningschef',
    role: 'editor',
    department: 'sales',
    location: 'stockholm'
  },
  {
    id: 'fatima',
    name: 'Fatima Hassan',
    title: 'Lönespecialist',
    role: 'staff',
    department: 'hr',
    location: 'malmo'
  },
  {
    id: 'elin',
    name: 'Elin Svensson',
    title: 'Systemutvecklare',
    role: 'staff',
    department: 'it',
    location: 'stockholm'
  }
];

/**
 * What each demo person lists on their profile, in Swedish and English as people write them:
 * "forklift certification" or "truckkort" finds Sara, Oskar and Maria, "network" or "Excel" IT.
 */
const SKILLS: Record<string, string[]> = {
  astrid: ['Arbetsrätt', 'Employment law', 'Rekrytering', 'Recruitment', 'Första hjälpen'],
  erik: ['Internkommunikation', 'Copywriting', 'Fotografering', 'Photography', 'Presentationsteknik'],
  sara: ['Forklift certification', 'Truckkort A+B', 'Lagerplanering', 'Warehouse management', 'Arbetsmiljö'],
  johan: ['Network', 'Nätverk', 'Excel', 'VPN', 'Windows', 'Skrivare och printers'],
  lina: ['Kundvård', 'Customer relations', 'Offertskrivning', 'Spanska', 'Excel'],
  oskar: ['Truckkort', 'Forklift certification', 'Första hjälpen', 'Godsmottagning'],
  maria: ['Forklift certification', 'Transportplanering', 'Route planning', 'Excel', 'SAP'],
  nils: ['Förhandling', 'Negotiation', 'Key account management', 'Budget', 'Excel'],
  fatima: ['Lönehantering', 'Payroll', 'Excel', 'Arabiska', 'Semesterregler'],
  elin: ['TypeScript', 'SQL', 'Network', 'Integrationer', 'Excel']
};

/** Some demo people's line about themselves. */
const ABOUT: Record<string, string> = {
  sara: 'Fråga mig om truckkort, inventering och lagerlayout.',
  johan: 'Ask me about VPN, laptops and the office network.',
  oskar: 'Håller i truckutbildningen för nyanställda i Göteborg.',
  fatima: 'Frågor om lön, semester och friskvårdsbidrag? Hör av dig!'
};

const SPACES: (NewSpace & { id: string })[] = [
  {
    id: 'all-staff',
    name: 'All staff / Alla medarbetare',
    description: 'News for everyone at Norrsken Logistik. Nyheter för alla medarbetare.',
    kind: 'news',
    audience: 'everyone',
    postingPolicy: 'editors',
    kioskVisible: true
  },
  {
    id: 'goteborg-office',
    name: 'Göteborg office',
    description: 'Everyday life at the Göteborg office and warehouse.',
    kind: 'community',
    audience: 'groups',
    audienceGroupIds: ['goteborg'],
    postingPolicy: 'members',
    kioskVisible: true
  },
  {
    id: 'it-help',
    name: 'IT help',
    description: 'Ask IT anything: accounts, laptops, VPN, printers.',
    kind: 'community',
    audience: 'everyone',
    postingPolicy: 'members',
    kioskVisible: false
  },
  {
    id: 'warehouse-2027',
    name: 'Warehouse 2027',
    description: 'The new warehouse layout project.',
    kind: 'project',
    audience: 'groups',
    audienceGroupIds: ['logistics'],
    postingPolicy: 'members',
    kioskVisible: false
  }
];

/**
 * Removes the demo's stored data from its data dir: the database with its journal, and the
 * uploaded images whose records it held. Only Fika's own files; anything else there stays.
 */
export function wipeDemoData(dataDir: string): void {
  for (const file of [DATABASE_FILE, `${DATABASE_FILE}-wal`, `${DATABASE_FILE}-shm`, JOURNAL_FILE]) {
    fs.rmSync(path.join(dataDir, file), { force: true });
  }
  fs.rmSync(path.join(dataDir, UPLOADS_DIR), { recursive: true, force: true });
}

export const demoEmail = (id: string): string => `${id}@demo.example`;

export interface SeedDemoOptions {
  /** A precomputed hash of DEMO_PASSWORD (tests pass one to skip the scrypt). */
  passwordHash?: string;
}

/**
 * Seeds the demo organisation into an empty database, in one transaction. Returns false (and
 * changes nothing) when people already exist.
 */
export async function seedDemo(org: Org, opts: SeedDemoOptions = {}): Promise<boolean> {
  if (org.userCount() > 0) return false;
  const passwordHash = opts.passwordHash ?? (await hashPassword(DEMO_PASSWORD));
  return org.transaction(() => {
    if (org.userCount() > 0) return false;
    org.setSetting('org.name', DEMO_ORGANISATION);
    for (const group of GROUPS) org.createGroup(group);
    for (const p of PEOPLE) {
      org.createUser({
        id: p.id,
        email: demoEmail(p.id),
        name: p.name,
        title: p.title,
        role: p.role,
        passwordHash
      });
      org.addMember(p.department, p.id);
      org.addMember(p.location, p.id);
      org.setSkills(p.id, SKILLS[p.id] ?? []);
      org.setAbout(p.id, ABOUT[p.id] ?? '');
    }
    for (const space of SPACES) org.createSpace(space);
    org.createDocument({ id: 'packing-guideline', spaceId: 'warehouse-2027', ownerId: 'sara' });
    org.addDocumentEditor('packing-guideline', 'maria');
    org.createDocument({ id: 'travel-policy', spaceId: 'all-staff', ownerId: 'astrid' });
    for (const doc of DEMO_DOCS) {
      org.createDocument({ id: doc.id, spaceId: doc.spaceId, ownerId: doc.ownerId });
      for (const userId of doc.editorIds) org.addDocumentEditor(doc.id, userId);
    }
    return true;
  });
}
