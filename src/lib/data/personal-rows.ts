/**
 * Reading a space's shared room (`space/<id>`: pinned posts) and the person's own room
 * (`user/<id>`: read state, space settings, notification marks) into rows. Pure and defensive,
 * like post-rows.ts.
 */
import type * as Y from 'yjs';
import { parseRoomName } from '../model/rooms';
import { pinned } from '../model/space-shared';
import {
  notificationReads,
  notificationsReadUntil,
  notifyLevels,
  readMap,
  spaceChoices,
  type NotifyLevel,
  type SpaceChoice
} from '../model/user-room';
import type { NotificationReadRow, PinRow, ReadRow, SpaceSettingRow } from './db';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const isTime = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const CHOICES: ReadonlySet<unknown> = new Set<SpaceChoice>(['follow', 'mute']);
const LEVELS: ReadonlySet<unknown> = new Set<NotifyLevel>(['all', 'mentions', 'off']);

/** The pins of `space/<id>` that point at a room of that same space. */
export function pinRows(doc: Y.Doc, roomName: string): PinRow[] {
  const room = parseRoomName(roomName);
  if (room?.kind !== 'space' || room.month !== null) return [];
  const rows: PinRow[] = [];
  for (const [postId, value] of pinned(doc).entries()) {
    const entry = value as unknown;
    if (!isObject(entry) || entry.postId !== postId) continue;
    const { room: target, by, at } = entry;
    if (typeof target !== 'string' || typeof by !== 'string' || !isTime(at)) continue;
    const where = parseRoomName(target);
    const inSpace =
      (where?.kind === 'space' && where.month !== null && where.spaceId === room.spaceId) ||
      (where?.kind === 'post' && where.spaceId === room.spaceId && where.postId === postId);
    if (inSpace) rows.push({ postId, spaceId: room.spaceId, room: target, by, at });
  }
  return rows;
}

export interface PersonalRows {
  reads: ReadRow[];
  spaceSettings: SpaceSettingRow[];
  notificationReads: NotificationReadRow[];
  notificationsReadUntil: number;
}

/** What the person's own room says about their feed. */
export function personalRows(doc: Y.Doc): PersonalRows {
  const reads: ReadRow[] = [];
  for (const [postId, at] of readMap(doc).entries()) {
    if (isTime(at)) reads.push({ postId, at });
  }
  const settings = new Map<string, SpaceSettingRow>();
  const settingFor = (spaceId: string): SpaceSettingRow => {
    let row = settings.get(spaceId);
    if (!row) {
      row = { spaceId, choice: null, notify: 'mentions' };
      settings.set(spaceId, row);
    }
    return row;
  };
  for (const [spaceId, choice] of spaceChoices(doc).entries()) {
    if (CHOICES.has(choice)) settingFor(spaceId).choice = choice;
  }
  for (const [spaceId, level] of notifyLevels(doc).entries()) {
    if (LEVELS.has(level)) settingFor(spaceId).notify = level;
  }
  const marks: NotificationReadRow[] = [];
  for (const [id, at] of notificationReads(doc).entries()) {
    if (isTime(at)) marks.push({ id, at });
  }
  return {
    reads,
    spaceSettings: [...settings.values()],
    notificationReads: marks,
    notificationsReadUntil: notificationsReadUntil(doc)
  };
}
