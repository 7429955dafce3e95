/**
 * Small, real image files built in code for the upload tests: a PNG (zlib-compressed RGB rows
 * with CRC-checked chunks) and a baseline JPEG (one grey component, one Huffman code each for a
 * zero DC difference and end-of-block, so every 8×8 block is two bits). Both decode in any
 * viewer; neither needs a file in the repository.
 */
import zlib from 'node:zlib';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** The header chunk: 8 bits per channel, RGB, deflate, standard filters, no interlace. */
function ihdr(width: number, height: number): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8);
  return header;
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A `width` × `height` PNG filled with one colour. */
export function makePng(width: number, height: number): Buffer {
  const row = Buffer.concat([Buffer.from([0]), Buffer.alloc(width * 3, 0x7f)]);
  const pixels = zlib.deflateSync(Buffer.concat(Array.from({ length: height }, () => row)));
  return Buffer.concat([
    PNG_SIGNATURE,
    chunk('IHDR', ihdr(width, height)),
    chunk('IDAT', pixels),
    chunk('IEND', Buffer.alloc(0))
  ]);
}

/** A PNG whose header claims `width` × `height` without the pixels (for refusals). */
export function pngHeaderOnly(width: number, height: number): Buffer {
  return Buffer.concat([PNG_SIGNATURE, chunk('IHDR', ihdr(width, height))]);
}

function segment(marker: number, data: number[]): number[] {
  const length = data.length + 2;
  return [0xff, marker, length >> 8, length & 0xff, ...data];
}

/** A `width` × `height` baseline JPEG, uniformly grey. */
export function makeJpeg(width: number, height: number): Buffer {
  const blocks = Math.ceil(width / 8) * Math.ceil(height / 8);
  const scan: number[] = [];
  let bits = 0;
  let count = 0;
  // Each block: DC difference category 0 (code "0"), then end of block (code "0").
  for (let i = 0; i < blocks * 2; i++) {
    bits <<= 1;
    if (++count === 8) {
      scan.push(bits & 0xff);
      bits = 0;
      count = 0;
    }
  }
  if (count > 0) scan.push(((bits << (8 - count)) | ((1 << (8 - count)) - 1)) & 0xff); // pad with ones
  const oneCode = [1, ...new Array<number>(15).fill(0)];
  return Buffer.from([
    0xff,
    0xd8,
    ...segment(0xe0, [0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0]), // JFIF 1.01
    ...segment(0xdb, [0, ...new Array<number>(64).fill(1)]), // quantisation table 0
    ...segment(0xc0, [8, height >> 8, height & 0xff, width >> 8, width & 0xff, 1, 1, 0x11, 0]),
    ...segment(0xc4, [0x00, ...oneCode, 0]), // DC table 0: one code, category 0
    ...segment(0xc4, [0x10, ...oneCode, 0]), // AC table 0: one code, end of block
    ...segment(0xda, [1, 1, 0x00, 0, 63, 0]),
    ...scan,
    0xff,
    0xd9
  ]);
}

export const SVG = Buffer.from(
  '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>'
);

/** The classic 1 × 1 GIF. */
export const GIF_1X1 = Buffer.from('R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==', 'base64');

/** A 1 × 1 lossless WebP. */
export const WEBP_1X1 = Buffer.from('UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==', 'base64');
