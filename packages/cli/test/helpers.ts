import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { deflateSync } from 'node:zlib';

const bin = resolve(import.meta.dirname, '../dist/pixelflare.js');

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the bundled CLI with plain `node`, as the npm bin runs, with only the environment given here. */
export function pixelflare(args: string[], env: Record<string, string>, cwd?: string): Promise<Run> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [bin, ...args],
      {
        env: { PATH: process.env.PATH ?? '', HOME: env.HOME ?? tmpdir(), ...env },
        cwd,
        maxBuffer: 16 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        done({ code, stdout, stderr });
      },
    );
  });
}

export const tempDir = (prefix: string) => mkdtempSync(join(tmpdir(), `pixelflare-cli-${prefix}-`));

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes: Buffer): number {
  let c = 0xffffffff;
  for (const byte of bytes) c = crcTable[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

let counter = 0;
/**
 * A PNG no other test uploads (each image's bytes differ), so the API's duplicate detection only sees the
 * duplicates a test makes on purpose. `noise` fills it with pseudo-random pixels, which do not compress.
 */
export function uniquePng(width = 16, height = 16, noise = false): Buffer {
  counter += 1;
  const seed = (Date.now() ^ (process.pid << 8) ^ (counter * 2654435761)) >>> 0;
  let state = seed || 1;
  const random = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) & 0xff;
  };
  const colour = [random(), random(), random()];
  const rows: Buffer[] = [];
  for (let y = 0; y < height; y++) {
    const row = Buffer.alloc(1 + width * 3);
    for (let x = 0; x < width; x++)
      for (let c = 0; c < 3; c++) row[1 + x * 3 + c] = noise ? random() : colour[c]!;
    rows.push(row);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('tEXt', Buffer.from(`Comment\0${seed}-${counter}`, 'latin1')),
    chunk('IDAT', deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

export function writePng(dir: string, name: string, png = uniquePng()): string {
  const path = join(dir, name);
  writeFileSync(path, png);
  return path;
}
