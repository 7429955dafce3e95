/**
 * Uploaded images: the files in `<dataDir>/uploads`, their metadata in SQLite.
 *
 * An upload is streamed to a temporary file (`uploads/tmp/<random>.part`) while its size is
 * counted and hashed; its first bytes must be those of the declared type (PNG, JPEG, WebP or
 * GIF: never SVG, which can carry script) and its header must decode to sensible dimensions.
 * Only then is it renamed into place and recorded. Any failure (too large, wrong type, a
 * request cut off) removes the temporary file, so nothing half-uploaded is ever left, and the
 * temporary directory is emptied on start-up in case the process died mid-upload.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { imageSize } from 'image-size';
import type { PostImage } from '../../src/lib/model/space-room';
import type { Db } from './db';
import { ApiError } from './api-error';
import { newId } from './org-types';

/** The directory under the data dir that holds uploaded files. */
export const UPLOADS_DIR = 'uploads';

export type ImageType = PostImage['type'];
export const IMAGE_TYPES: readonly ImageType[] = ['image/png', 'image/jpeg', 'image/webp', 'image/gif'];

/** Longest side accepted, in pixels, and the most pixels in all: beyond these no photo goes. */
export const MAX_IMAGE_SIDE = 20_000;
export const MAX_IMAGE_PIXELS = 100_000_000;

const DAY_MS = 24 * 60 * 60 * 1000;

/** Bytes enough to recognise every accepted type by its signature. */
const SIGNATURE_BYTES = 12;
/** Bytes kept from the start of an upload to read its dimensions (a JPEG's frame header may follow long metadata). */
const HEADER_BYTES = 512 * 1024;

export interface UploadInfo {
  id: string;
  spaceId: string;
  ownerId: string;
  type: ImageType;
  bytes: number;
  width: number;
  height: number;
  sha256: string;
  createdAt: number;
  /** The targeted post it belongs to (then only that post's audience may read it), else null. */
  postId: string | null;
}

interface UploadRow {
  id: string;
  space_id: string;
  owner_id: string;
  type: ImageType;
  bytes: number;
  width: number;
  height: number;
  sha256: string;
  created_at: number;
  post_id: string | null;
}

/** The type whose signature the bytes start with, or null. */
export function sniffImageType(head: Uint8Array): ImageType | null {
  const starts = (...bytes: number[]) => bytes.every((b, i) => head[i] === b);
  const ascii = (offset: number, text: string) =>
    [...text].every((c, i) => head[offset + i] === c.charCodeAt(0));
  if (starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'image/png';
  if (starts(0xff, 0xd8, 0xff)) return 'image/jpeg';
  if (ascii(0, 'GIF87a') || ascii(0, 'GIF89a')) return 'image/gif';
  if (ascii(0, 'RIFF') && ascii(8, 'WEBP')) return 'image/webp';
  return null;
}

/** The declared media type of a request (`image/png; charset=x` → `image/png`), or null. */
export function declaredImageType(contentType: string | undefined): ImageType | null {
  const type = contentType?.split(';')[0]?.trim().toLowerCase();
  return (IMAGE_TYPES as readonly string[]).includes(type ?? '') ? (type as ImageType) : null;
}

/** "10 MiB", "512 KiB" or "1000 bytes": a limit as people read it. */
export function formatBytes(n: number): string {
  if (n % (1024 * 1024) === 0) return `${n / (1024 * 1024)} MiB`;
  if (n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} bytes`;
}

const DETECTED: Record<string, ImageType> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp'
};

export const tooLarge = (limit: number): ApiError =>
  new ApiError(
    413,
    'image-too-large',
    `The image is larger than the limit of ${formatBytes(limit)} (${limit} bytes).`
  );

export const unsupportedType = (): ApiError =>
  new ApiError(
    415,
    'unsupported-image-type',
    'Upload a PNG, JPEG, WebP or GIF image with its Content-Type (image/png, image/jpeg, image/webp or image/gif). SVG and other types are not accepted.'
  );

const mismatch = (declared: ImageType): ApiError =>
  new ApiError(
    415,
    'image-type-mismatch',
    `The file is not a ${declared.slice('image/'.length).toUpperCase()} image, as its Content-Type says.`
  );

/** Counts, hashes and checks the bytes of one upload on their way to the temporary file. */
class UploadCheck extends Transform {
  bytes = 0;
  readonly hash = crypto.createHash('sha256');
  private readonly head: Buffer[] = [];
  private headBytes = 0;
  private signatureChecked = false;

  constructor(
    private readonly declared: ImageType,
    private readonly limit: number
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.limit) return done(tooLarge(this.limit));
    if (this.headBytes < HEADER_BYTES) {
      const part = chunk.subarray(0, HEADER_BYTES - this.headBytes);
      this.head.push(part);
      this.headBytes += part.length;
    }
    if (!this.signatureChecked && this.headBytes >= SIGNATURE_BYTES) {
      this.signatureChecked = true;
      if (sniffImageType(this.header()) !== this.declared) return done(mismatch(this.declared));
    }
    this.hash.update(chunk);
    done(null, chunk);
  }

  header(): Buffer {
    if (this.head.length > 1) this.head.splice(0, this.head.length, Buffer.concat(this.head));
    return this.head[0] ?? Buffer.alloc(0);
  }
}

/** Width and height from the image's header, or a refusal naming why. */
function dimensionsOf(header: Buffer, declared: ImageType): { width: number; height: number } {
  if (sniffImageType(header) !== declared) throw mismatch(declared);
  let size: { width: number; height: number; type?: string };
  try {
    size = imageSize(header);
  } catch {
    throw new ApiError(
      422,
      'invalid-image',
      'The image could not be read: its header is damaged or incomplete.'
    );
  }
  if (size.type === undefined || DETECTED[size.type] !== declared) throw mismatch(declared);
  const { width, height } = size;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new ApiError(422, 'invalid-image', 'The image could not be read: it has no width or height.');
  }
  if (width > MAX_IMAGE_SIDE || height > MAX_IMAGE_SIDE || width * height > MAX_IMAGE_PIXELS) {
    throw new ApiError(
      422,
      'invalid-image',
      `The image is ${width} × ${height} pixels; at most ${MAX_IMAGE_SIDE} pixels a side and ` +
        `${MAX_IMAGE_PIXELS / 1_000_000} million pixels in all are accepted.`
    );
  }
  return { width, height };
}

export class Uploads {
  readonly dir: string;
  private readonly tmpDir: string;
  private readonly byId;
  private readonly insert;
  private readonly bind;

  private readonly uploadedSince;

  constructor(
    db: Db,
    dataDir: string,
    /** Largest upload accepted, in bytes. */
    readonly maxBytes: number,
    /**
     * The most bytes of images one person may upload in 24 hours: images are kept whether or not
     * a post shows them, so without it one account could fill the server's disk.
     */
    readonly maxBytesPerDay = Infinity
  ) {
    this.dir = path.join(dataDir, UPLOADS_DIR);
    this.tmpDir = path.join(this.dir, 'tmp');
    // Whatever is in tmp was cut off by a stop or crash mid-upload: never complete, never recorded.
    fs.rmSync(this.tmpDir, { recursive: true, force: true });
    fs.mkdirSync(this.tmpDir, { recursive: true });
    this.byId = db.prepare<[string], UploadRow>(
      'SELECT id, space_id, owner_id, type, bytes, width, height, sha256, created_at, post_id FROM uploads WHERE id = ?'
    );
    this.insert = db.prepare(
      `INSERT INTO uploads (id, space_id, owner_id, type, bytes, width, height, sha256, created_at)
       VALUES (@id, @spaceId, @ownerId, @type, @bytes, @width, @height, @sha256, @createdAt)`
    );
    this.uploadedSince = db.prepare<[string, number], { bytes: number | null; first: number | null }>(
      'SELECT SUM(bytes) AS bytes, MIN(created_at) AS first FROM uploads WHERE owner_id = ? AND created_at > ?'
    );
    this.bind = db.prepare<[string, string]>(
      'UPDATE uploads SET post_id = ? WHERE id = ? AND post_id IS NULL'
    );
  }

  /**
   * Ties images to a targeted post, so that only its audience may read them. Call in the
   * transaction that creates the post, after checking each with `bindable`.
   */
  bindToPost(ids: readonly string[], postId: string): void {
    for (const id of ids) this.bind.run(postId, id);
  }

  /** Whether `id` is an image `ownerId` uploaded to `spaceId` that no post has claimed yet. */
  bindable(id: string, ownerId: string, spaceId: string): boolean {
    const upload = this.get(id);
    return (
      upload !== null && upload.ownerId === ownerId && upload.spaceId === spaceId && upload.postId === null
    );
  }

  /**
   * Refuses an upload of `bytes` more when the person's uploads of the last 24 hours would pass
   * the allowance; says when enough of them will have aged out of it.
   */
  private checkAllowance(ownerId: string, bytes: number): void {
    const now = Date.now();
    const { bytes: used, first } = this.uploadedSince.get(ownerId, now - DAY_MS)!;
    if ((used ?? 0) + bytes <= this.maxBytesPerDay) return;
    const size = (n: number) =>
      n >= 1024 * 1024 ? `${Math.round(n / 1024 / 1024)} MiB` : `${Math.ceil(n / 1024)} KiB`;
    const retryAfterSeconds = Math.max(60, Math.ceil(((first ?? now) + DAY_MS - now) / 1000));
    throw new ApiError(
      429,
      'upload-allowance',
      `You have uploaded ${size(used ?? 0)} of images in the last 24 hours, and ${size(this.maxBytesPerDay)} is the most. Try again later.`,
      { retryAfterSeconds }
    );
  }

  /**
   * Receives one image from `source` (a request body) for the space, checking it as it
   * arrives; resolves with its record once it is stored, or rejects with an ApiError (and
   * leaves nothing behind).
   */
  async receive(
    source: Readable,
    input: { spaceId: string; ownerId: string; declaredType: ImageType; contentLength?: number }
  ): Promise<UploadInfo> {
    if (input.contentLength !== undefined && input.contentLength > this.maxBytes) {
      throw tooLarge(this.maxBytes);
    }
    this.checkAllowance(input.ownerId, input.contentLength ?? 0);
    const tmp = path.join(this.tmpDir, `${newId()}.part`);
    const check = new UploadCheck(input.declaredType, this.maxBytes);
    // The request is piped by hand rather than through pipeline(), which would destroy it on a
    // refusal, and with it the socket the refusal must be sent on; what is left of it is read and
    // dropped instead.
    const file = fs.createWriteStream(tmp, { flags: 'wx' });
    // The file is created asynchronously: a refusal may come before it exists, so removing it
    // waits until the stream has let go of it.
    const fileClosed = new Promise<void>((resolve) => file.once('close', () => resolve()));
    const stored = pipeline(check, file);
    const interrupted = () =>
      check.destroy(
        new ApiError(400, 'upload-interrupted', 'The upload was interrupted before it was complete.')
      );
    source.on('error', interrupted);
    source.on('close', () => {
      if (!source.readableEnded) interrupted();
    });
    source.pipe(check);
    try {
      await stored;
      const { width, height } = dimensionsOf(check.header(), input.declaredType);
      const info: UploadInfo = {
        id: newId(),
        spaceId: input.spaceId,
        ownerId: input.ownerId,
        type: input.declaredType,
        bytes: check.bytes,
        width,
        height,
        sha256: check.hash.digest('hex'),
        createdAt: Date.now(),
        postId: null
      };
      if (info.bytes === 0) throw mismatch(input.declaredType);
      await this.store(tmp, info);
      return info;
    } catch (err) {
      source.unpipe(check);
      source.resume();
      file.destroy();
      await fileClosed;
      await fs.promises.rm(tmp, { force: true });
      throw err;
    }
  }

  /** Moves the complete file into place and records it; undoes the move if recording fails. */
  private async store(tmp: string, info: UploadInfo): Promise<void> {
    const final = this.pathOf(info.id);
    await fs.promises.rename(tmp, final);
    try {
      const { postId: _postId, ...row } = info;
      this.insert.run(row);
    } catch (err) {
      fs.rmSync(final, { force: true });
      throw err;
    }
  }

  get(id: string): UploadInfo | null {
    const row = this.byId.get(id);
    if (!row) return null;
    return {
      id: row.id,
      spaceId: row.space_id,
      ownerId: row.owner_id,
      type: row.type,
      bytes: row.bytes,
      width: row.width,
      height: row.height,
      sha256: row.sha256,
      createdAt: row.created_at,
      postId: row.post_id
    };
  }

  pathOf(id: string): string {
    return path.join(this.dir, id);
  }
}
