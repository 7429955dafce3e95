/**
 * Test data built from real parts: a temporary data directory with a real SQLite file, the
 * real Org and Auth, and people/groups/spaces with `Partial<T>` overrides.
 *
 * scrypt is slow on purpose (~50–100 ms at the production cost), so tests share one hash of
 * TEST_PASSWORD per process (`testPasswordHash()`), made at a low cost: the cost travels in the
 * stored string, so verifying it is fast too, while the code path is the production one.
 * People who never sign in get DUMMY_HASH, which nothing matches.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, type Config } from '../sync-server/src/config';
import { openDatabase, type Db } from '../sync-server/src/db';
import { ServerEvents } from '../sync-server/src/events';
import {
  Org,
  type Group,
  type NewGroup,
  type NewSpace,
  type NewUser,
  type Space,
  type User
} from '../sync-server/src/org';
import { Auth } from '../sync-server/src/auth';
import { DUMMY_HASH, hashPassword } from '../sync-server/src/passwords';

export const TEST_PASSWORD = 'correct horse battery staple';

/** A cheap scrypt cost for test fixtures only (production hashes use SCRYPT_PARAMS). */
export const FAST_SCRYPT = { N: 2 ** 10, r: 8, p: 1 } as const;

let passwordHash: Promise<string> | null = null;

/** One hash of TEST_PASSWORD per test process. */
export function testPasswordHash(): Promise<string> {
  passwordHash ??= hashPassword(TEST_PASSWORD, FAST_SCRYPT);
  return passwordHash;
}

/** A fresh directory under the OS temp dir; removed by `removeDir`. */
export function tempDataDir(prefix = 'fika-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

/** The default configuration with a temp data dir and any overrides (no environment read). */
export function testConfig(overrides: Partial<Config> = {}): Config {
  return { ...loadConfig({}), port: 0, host: '127.0.0.1', dataDir: tempDataDir(), ...overrides };
}

export interface TestOrg {
  dir: string;
  config: Config;
  db: Db;
  events: ServerEvents;
  org: Org;
  auth: Auth;
  /** Closes the database and removes the directory. */
  close(): void;
}

/** A real database in a temp dir with Org and Auth on top. */
export function createTestOrg(overrides: Partial<Config> = {}): TestOrg {
  const config = testConfig(overrides);
  const db = openDatabase(config.dataDir, { synchronous: 'normal' });
  const events = new ServerEvents();
  const org = new Org(db, events);
  const auth = new Auth(db, org, config, events);
  return {
    dir: config.dataDir,
    config,
    db,
    events,
    org,
    auth,
    close() {
      db.close();
      removeDir(config.dataDir);
    }
  };
}

let sequence = 0;
const next = (): number => ++sequence;

/** A person; unless given a passwordHash they cannot sign in (DUMMY_HASH matches nothing). */
export function buildUser(org: Org, overrides: Partial<NewUser> = {}): User {
  const n = next();
  return org.createUser({
    email: `person${n}@test.example`,
    name: `Person ${n}`,
    title: 'Tester',
    role: 'staff',
    passwordHash: DUMMY_HASH,
    ...overrides
  });
}

export function buildGroup(org: Org, overrides: Partial<NewGroup> = {}): Group {
  return org.createGroup({ kind: 'team', name: `Team ${next()}`, ...overrides });
}

export function buildSpace(org: Org, overrides: Partial<NewSpace> = {}): Space {
  return org.createSpace({
    name: `Space ${next()}`,
    kind: 'community',
    audience: 'everyone',
    postingPolicy: 'members',
    ...overrides
  });
}

/** A team and a project space whose audience is only that team. */
export function buildTeamSpace(org: Org): { team: Group; space: Space } {
  const team = buildGroup(org, { kind: 'team' });
  const space = buildSpace(org, { kind: 'project', audience: 'groups', audienceGroupIds: [team.id] });
  return { team, space };
}
