// Source images the benches make for themselves.
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
