/**
 * The outbox: which local changes the server has stored.
 *
 * Every local transaction in a room this person may write leaves one outbox row: the Yjs client
 * id of the document it was made in and that client's clock after it. The server tells what a
 * room holds as a state vector (client id → clock), in its sync step 1 on connect and in each
 * commit acknowledgement; a row whose clock the vector reaches is stored, since a client's
 * structs are only ever applied in clock order.
 *
 * A change that only deleted leaves the clock where it was, so no state vector can show it
 * stored. Such rows are confirmed by a round trip instead: the server answers a sync step 1 only
 * after committing everything it received before it on that connection, so the answer to a step
 * 1 sent after the deletion went out proves it stored.
 */
import type { OutboxRow } from '../data/db';

/** What a local transaction changed, from its before and after state of the local client. */
export function describeChange(input: {
  client: number;
  before: number;
  after: number;
  deleted: boolean;
}): Pick<OutboxRow, 'client' | 'clock' | 'deletionOnly'> | null {
  if (input.after > input.before) return { client: input.client, clock: input.after };
  if (input.deleted) return { client: input.client, clock: input.after, deletionOnly: true };
  return null;
}

/** Ids of the rows that the server's state vector shows stored. */
export function confirmedByState(
  rows: readonly OutboxRow[],
  serverState: ReadonlyMap<number, number>
): number[] {
  const ids: number[] = [];
  for (const row of rows) {
    if (row.id === undefined || row.deletionOnly) continue;
    if ((serverState.get(row.client) ?? 0) >= row.clock) ids.push(row.id);
  }
  return ids;
}
