/**
 * The commit journal: the short, fast half of storing an update.
 *
 * Relaying waits for the commit (see rooms.ts), so the commit's cost is on every update's path
 * from one person to everyone else. An SQLite transaction costs 60 to 160 µs when the caches are
 * cold (the usual case at a few updates per second: two B-trees, several log frames and locks);
 * one `write()` to the end of a file costs about 20 µs. So a batch of accepted updates is first
 * appended here, in one write, and relayed; the same updates reach SQLite a moment later in one
 * larger transaction (`JournaledStore` in persistence.ts), after which the journal is emptied.
 *
 * Safety is the same as committing to SQLite directly: once `append` returns, the bytes are in
 * the operating system's hands and survive a crash of the server process; with
 * `sync` (FIKA_SQLITE_SYNCHRONOUS=full) they are also flushed to the disk before it returns,
 * surviving a crash of the machine. On start-up whatever the journal holds is copied into SQLite
 * first; copying an update twice is harmless, as applying a Yjs update twice changes nothing.
 *
 * Each record: 1 byte magic, payload length (u32 LE), CRC-32 of the payload (u32 LE); the
 * payload is the room name's length (u16 LE), the room name (UTF-8) and the update. Reading stops
 * at the first record that is cut short or fails its checksum (a write torn by a machine crash).
 */
import fs from 'node:fs';
import zlib from 'node:zlib';

export interface JournalRecord {
  room: string;
  update: Uint8Array;
}

/** The journal's file name in the data directory. */
export const JOURNAL_FILE = 'fika.journal';

const MAGIC = 0xf1;
const HEADER_BYTES = 9;
const MAX_ROOM_BYTES = 0xffff;

export interface JournalContents {
  records: JournalRecord[];
  /** Bytes after the last whole record (a torn or corrupt tail), ignored. */
  tailBytes: number;
}

export class Journal {
  private readonly fd: number;
  private size: number;
  /** Set when a failed append could not be undone: appending after it could hide later records. */
  private broken: Error | null = null;

  constructor(
    readonly file: string,
    private readonly opts: { sync: boolean }
  ) {
    this.fd = fs.openSync(file, 'a+');
    this.size = fs.fstatSync(this.fd).size;
  }

  get bytes(): number {
    return this.size;
  }

  /** Appends the records in one write; when it returns, they survive a crash of the process. */
  append(records: readonly JournalRecord[]): void {
    if (this.broken) throw this.broken;
    if (records.length === 0) return;
    const data = encodeRecords(records);
    try {
      let written = 0;
      while (written < data.length) written += fs.writeSync(this.fd, data, written);
      if (this.opts.sync) fs.fdatasyncSync(this.fd);
    } catch (err) {
      // A half-written record would stop recovery there, hiding every record after it: cut back.
      try {
        fs.ftruncateSync(this.fd, this.size);
      } catch (undo) {
        this.broken = new Error(`journal unusable after a failed write: ${(undo as Error).message}`);
      }
      throw err;
    }
    this.size += data.length;
  }

  /** Every whole record, in order. */
  read(): JournalContents {
    return decodeJournal(fs.readFileSync(this.file));
  }

  /** Empties the journal (after its records reached SQLite). */
  clear(): void {
    if (this.size === 0) return;
    fs.ftruncateSync(this.fd, 0);
    if (this.opts.sync) fs.fdatasyncSync(this.fd);
    this.size = 0;
    this.broken = null;
  }

  close(): void {
    fs.closeSync(this.fd);
  }
}

/** One record's bytes (see the format above). */
export function encodeRecord(record: JournalRecord): Buffer {
  return encodeRecords([record]);
}

/**
 * The records' bytes, written straight into one buffer: this is on every update's way to being
 * relayed, so it makes no intermediate buffer per room name or per record.
 */
export function encodeRecords(records: readonly JournalRecord[]): Buffer {
  let total = 0;
  for (const { room, update } of records) {
    const nameLength = Buffer.byteLength(room, 'utf8');
    if (nameLength > MAX_ROOM_BYTES) throw new Error('room name too long for the journal');
    total += HEADER_BYTES + 2 + nameLength + update.byteLength;
  }
  const out = Buffer.allocUnsafe(total);
  let at = 0;
  for (const { room, update } of records) {
    const nameLength = out.write(room, at + HEADER_BYTES + 2, 'utf8');
    const payloadLength = 2 + nameLength + update.byteLength;
    out[at] = MAGIC;
    out.writeUInt32LE(payloadLength, at + 1);
    out.writeUInt16LE(nameLength, at + HEADER_BYTES);
    out.set(update, at + HEADER_BYTES + 2 + nameLength);
    const end = at + HEADER_BYTES + payloadLength;
    out.writeUInt32LE(zlib.crc32(out.subarray(at + HEADER_BYTES, end)), at + 5);
    at = end;
  }
  return out;
}

export function decodeJournal(data: Buffer): JournalContents {
  const records: JournalRecord[] = [];
  let at = 0;
  while (at + HEADER_BYTES <= data.length) {
    if (data[at] !== MAGIC) break;
    const length = data.readUInt32LE(at + 1);
    const end = at + HEADER_BYTES + length;
    if (length < 2 || end > data.length) break;
    const payload = data.subarray(at + HEADER_BYTES, end);
    if (zlib.crc32(payload) !== data.readUInt32LE(at + 5)) break;
    const nameLength = payload.readUInt16LE(0);
    if (2 + nameLength > payload.length) break;
    records.push({
      room: payload.toString('utf8', 2, 2 + nameLength),
      // A copy, so that the records do not hold the whole file's buffer.
      update: new Uint8Array(payload.subarray(2 + nameLength))
    });
    at = end;
  }
  return { records, tailBytes: data.length - at };
}
