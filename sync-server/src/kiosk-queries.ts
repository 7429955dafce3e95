/**
 * The kiosk tables' prepared statements (see kiosks.ts), kept apart like org-queries.ts. The
 * access conditions are written once and shared by the checks and the listings, so that what a
 * kiosk may open and what `/api/kiosk/me` lists cannot disagree.
 */
import type { Db } from './db';
import type { KioskLanguage } from './kiosks';

export interface KioskRow {
  id: string;
  name: string;
  location_group_id: string | null;
  language: KioskLanguage;
  created_at: number;
  last_seen_at: number | null;
  revoked_at: number | null;
  token_hash: string | null;
  pairing_expires_at: number | null;
}

/** The spaces a kiosk may read: its own, kiosk-visible, for everyone or for its location. */
const KIOSK_SPACE = `ks.kiosk_id = k.id AND s.id = ks.space_id AND s.kiosk_visible = 1 AND
  (s.audience = 'everyone' OR EXISTS (
    SELECT 1 FROM space_audience sa WHERE sa.space_id = s.id AND sa.group_id = k.location_group_id))`;
const LIVE_KIOSK = 'k.revoked_at IS NULL AND k.token_hash IS NOT NULL';
const TARGETS_LOCATION = `EXISTS (SELECT 1 FROM targeted_post_groups tg
  WHERE tg.post_id = tp.id AND tg.group_id = k.location_group_id)`;

export function prepareKioskStatements(db: Db) {
  const cols =
    'k.id, k.name, k.location_group_id, k.language, k.created_at, k.last_seen_at, k.revoked_at, k.token_hash, k.pairing_expires_at';
  return {
    insert: db.prepare(
      `INSERT INTO kiosks (id, name, location_group_id, language, created_at)
       VALUES (@id, @name, @locationGroupId, @language, @createdAt)`
    ),
    update: db.prepare(
      'UPDATE kiosks SET name = @name, location_group_id = @locationGroupId, language = @language WHERE id = @id'
    ),
    clearSpaces: db.prepare<[string]>('DELETE FROM kiosk_spaces WHERE kiosk_id = ?'),
    addSpace: db.prepare<[string, string]>('INSERT INTO kiosk_spaces (kiosk_id, space_id) VALUES (?, ?)'),
    byId: db.prepare<[string], KioskRow>(`SELECT ${cols} FROM kiosks k WHERE k.id = ?`),
    all: db.prepare<[], KioskRow>(`SELECT ${cols} FROM kiosks k ORDER BY k.name COLLATE NOCASE, k.id`),
    spacesOf: db.prepare<[string], { space_id: string }>(
      'SELECT space_id FROM kiosk_spaces WHERE kiosk_id = ? ORDER BY space_id'
    ),
    byToken: db.prepare<[string], KioskRow>(
      `SELECT ${cols} FROM kiosks k WHERE k.token_hash = ? AND k.revoked_at IS NULL`
    ),
    live: db.prepare<[string], KioskRow>(`SELECT ${cols} FROM kiosks k WHERE k.id = ? AND ${LIVE_KIOSK}`),
    touch: db.prepare<[number, string]>('UPDATE kiosks SET last_seen_at = ? WHERE id = ?'),
    setPairing: db.prepare(
      `UPDATE kiosks SET pairing_secret_hash = @secretHash, pairing_code_hash = @codeHash,
         pairing_expires_at = @expiresAt WHERE id = @id AND revoked_at IS NULL`
    ),
    pairable: db.prepare<{ hash: string; now: number }, { id: string }>(
      `SELECT id FROM kiosks WHERE (pairing_secret_hash = @hash OR pairing_code_hash = @hash)
         AND pairing_expires_at > @now AND revoked_at IS NULL`
    ),
    pair: db.prepare<{ id: string; tokenHash: string; now: number }>(
      `UPDATE kiosks SET token_hash = @tokenHash, pairing_secret_hash = NULL, pairing_code_hash = NULL,
         pairing_expires_at = NULL, last_seen_at = @now WHERE id = @id`
    ),
    revoke: db.prepare<[number, string]>(
      `UPDATE kiosks SET revoked_at = ?, token_hash = NULL, pairing_secret_hash = NULL,
         pairing_code_hash = NULL, pairing_expires_at = NULL WHERE id = ? AND revoked_at IS NULL`
    ),
    remove: db.prepare<[string]>('DELETE FROM kiosks WHERE id = ?'),
    readableSpaces: db.prepare<[string], { id: string; name: string }>(
      `SELECT s.id, s.name FROM kiosks k, kiosk_spaces ks, spaces s
       WHERE k.id = ? AND ${LIVE_KIOSK} AND ${KIOSK_SPACE} ORDER BY s.name COLLATE NOCASE, s.id`
    ),
    canReadSpace: db.prepare<[string, string], { n: number }>(
      `SELECT COUNT(*) AS n FROM kiosks k, kiosk_spaces ks, spaces s
       WHERE k.id = ? AND s.id = ? AND ${LIVE_KIOSK} AND ${KIOSK_SPACE}`
    ),
    readablePosts: db.prepare<[string], { id: string; space_id: string }>(
      `SELECT tp.id, tp.space_id FROM kiosks k, kiosk_spaces ks, spaces s, targeted_posts tp
       WHERE k.id = ? AND tp.space_id = s.id AND ${LIVE_KIOSK} AND ${KIOSK_SPACE} AND ${TARGETS_LOCATION}
       ORDER BY tp.space_id, tp.created_at, tp.id`
    ),
    canReadPost: db.prepare<[string, string, string], { n: number }>(
      `SELECT COUNT(*) AS n FROM kiosks k, kiosk_spaces ks, spaces s, targeted_posts tp
       WHERE k.id = ? AND tp.id = ? AND tp.space_id = ? AND tp.space_id = s.id
         AND ${LIVE_KIOSK} AND ${KIOSK_SPACE} AND ${TARGETS_LOCATION}`
    ),
    locationGroup: db.prepare<[string], { kind: string }>('SELECT kind FROM groups WHERE id = ?'),
    kioskVisible: db.prepare<[string], { kiosk_visible: number }>(
      'SELECT kiosk_visible FROM spaces WHERE id = ?'
    ),
    // Names only, for the authors of what a kiosk shows: no email, title or group.
    names: db.prepare<[], { id: string; name: string }>(
      'SELECT id, name FROM users WHERE active = 1 ORDER BY id'
    )
  };
}
