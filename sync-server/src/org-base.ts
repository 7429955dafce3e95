/**
 * What every part of the organisation shares: the database, its prepared statements, and
 * transactions that emit their change events only once committed. `Org` (org.ts) is built on
 * this in layers, one file per concern: spaces and documents (org-spaces.ts), then people,
 * groups, access and settings (org.ts).
 */
import type { Db } from './db';
import type { ServerEvents } from './events';
import { prepareOrgStatements, type OrgStatements } from './org-queries';

export class OrgBase {
  private depth = 0;
  private readonly pending = new Set<'org-changed' | 'sessions-changed'>();

  protected readonly stmts: OrgStatements;

  constructor(
    protected readonly db: Db,
    private readonly events: ServerEvents
  ) {
    this.stmts = prepareOrgStatements(db);
  }

  /**
   * Runs `fn` in one (immediate) transaction and emits the events its mutations caused once,
   * after the commit, so listeners never see a change that is later rolled back.
   */
  transaction<T>(fn: () => T): T {
    if (this.depth > 0) return this.db.transaction(fn)();
    this.depth++;
    let result: T;
    try {
      result = this.db.transaction(fn).immediate();
    } catch (err) {
      this.pending.clear();
      throw err;
    } finally {
      this.depth--;
    }
    const events = [...this.pending];
    this.pending.clear();
    for (const event of events) this.events.emit(event);
    return result;
  }

  protected changed(event: 'org-changed' | 'sessions-changed'): void {
    if (this.depth > 0) this.pending.add(event);
    else this.events.emit(event);
  }
}
