// Source images the benches make for themselves.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';

/**
 * An 8-bit RGB PNG of `width`×`height`: `pixel(x, y)` gives each pixel's [r, g, b] (or `rows` the raw scanlines,
 * filter byte first); `extra` chunks ([type, data]) go after the pixels, before IEND.
 */
export function png(width, height, { pixel, rows, extra = [] } = {}) {
  const chunk = (type, data) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8;
  header[9] = 2;
  let scanlines = rows;
  if (!scanlines) {
    scanlines = Buffer.alloc(height * (1 + width * 3));
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++)
        scanlines.set(pixel?.(x, y) ?? [0, 0, 0], y * (1 + width * 3) + 1 + x * 3);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(scanlines)),
    ...extra.map(([type, data]) => chunk(type, data)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A photo-like JPEG (blurred gaussian noise, quality 85) of `width`×`height`: costly to decode, as photos are. */
export const noiseJpeg = (width, height) =>
  sharp({ create: { width, height, channels: 3, noise: { type: 'gaussian', mean: 128, sigma: 40 } } })
    .blur(3)
    .jpeg({ quality: 85 })
    .toBuffer();

/**
 * A JPEG of `size` bytes: the test fixture photo-gps.jpg (GPS, serial number, artist, XMP, ICC, orientation 6)
 * with filler entropy-coded data before its end marker (no 0xFF bytes, so no marker inside the scan). Ingest
 * strips its metadata on the bounded (streamed) path above the in-memory limit.
 */
export function bigJpeg(size) {
  const jpeg = readFileSync(path.join(import.meta.dirname, '../../packages/api/test/fixtures/photo-gps.jpg'));
  const filler = randomBytes(size - jpeg.length);
  for (let i = 0; i < filler.length; i++) if (filler[i] === 0xff) filler[i] = 0xfe;
  return Buffer.concat([jpeg.subarray(0, jpeg.length - 2), filler, jpeg.subarray(jpeg.length - 2)]);
}
