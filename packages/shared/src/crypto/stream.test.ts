import { describe, expect, it } from 'vitest';
import { concatBytes, randomBytes } from './bytes';
import {
  DecryptError,
  PFSE_HEADER_BYTES,
  PFSE_TAG_BYTES,
  cipherRangeFor,
  decryptBytes,
  decryptRangeStream,
  encryptBytes,
  encryptedSize,
  importContentKey,
  objectContext,
  plaintextSize,
} from './stream';

// 1 KiB segments keep multi-segment cases small; one case uses the default 64 KiB.
const SHIFT = 10;
const SEGMENT = 1024;
const SEALED = SEGMENT + PFSE_TAG_BYTES;
const context = objectContext('img_a', 'original');

async function sealed(plain: Uint8Array, key?: CryptoKey) {
  const cek = key ?? (await importContentKey(randomBytes(32)));
  return { cek, bytes: await encryptBytes(cek, plain, { context, segmentShift: SHIFT }) };
}

async function refusal(promise: Promise<unknown>): Promise<DecryptError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(DecryptError);
  return error as DecryptError;
}

/** Feeds `bytes` in chunks of `size` (an odd size crosses segment boundaries). */
async function throughChunks(
  bytes: Uint8Array,
  size: number,
  transform: TransformStream<Uint8Array, Uint8Array>,
) {
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      for (let i = 0; i < bytes.length; i += size) controller.enqueue(bytes.slice(i, i + size));
      controller.close();
    },
  }).pipeThrough(transform);
  const parts: Uint8Array[] = [];
  for await (const part of stream as unknown as AsyncIterable<Uint8Array>) parts.push(part);
  return concatBytes(...parts);
}

describe('PFSE segment format', () => {
  it.each([0, 1, SEGMENT - 1, SEGMENT, SEGMENT + 1, 3 * SEGMENT, 3 * SEGMENT + 17])(
    'round-trips %i bytes, at the size the format predicts',
    async (length) => {
      const plain = randomBytes(length);
      const { cek, bytes } = await sealed(plain);
      expect(bytes.length).toBe(encryptedSize(length, SHIFT));
      expect(plaintextSize(bytes.length, SHIFT)).toBe(length);
      expect(await decryptBytes(cek, bytes, { context })).toEqual(plain);
    },
  );

  it('round-trips at the default 64 KiB segment size, fed in odd-sized chunks', async () => {
    const cek = await importContentKey(randomBytes(32));
    const plain = randomBytes(3 * 65536 + 5);
    const { encryptStream, decryptStream } = await import('./stream');
    const bytes = await throughChunks(plain, 7919, encryptStream(cek, { context }));
    expect(bytes.length).toBe(encryptedSize(plain.length));
    expect(bytes.subarray(0, 6)).toEqual(Uint8Array.of(0x50, 0x46, 0x53, 0x45, 1, 16));
    expect(await throughChunks(bytes, 5003, decryptStream(cek, { context }))).toEqual(plain);
  });

  it('writes a fresh nonce prefix per object: the same bytes under the same key never give the same ciphertext', async () => {
    const plain = randomBytes(100);
    const { cek, bytes } = await sealed(plain);
    const again = await encryptBytes(cek, plain, { context, segmentShift: SHIFT });
    expect(again).not.toEqual(bytes);
  });

  it('refuses a flipped byte anywhere: header, any segment, any tag', async () => {
    const { cek, bytes } = await sealed(randomBytes(2 * SEGMENT + 10));
    const positions = [
      0,
      5,
      9,
      15,
      PFSE_HEADER_BYTES,
      PFSE_HEADER_BYTES + SEALED - 1,
      PFSE_HEADER_BYTES + SEALED + 3,
      bytes.length - 1,
    ];
    for (const position of positions) {
      const altered = bytes.slice();
      altered[position]! ^= 0x01;
      const error = await refusal(decryptBytes(cek, altered, { context }));
      expect(['format', 'authentication']).toContain(error.reason);
    }
  });

  it('refuses truncation, mid-segment and exactly at a segment boundary', async () => {
    const { cek, bytes } = await sealed(randomBytes(3 * SEGMENT));
    for (const cut of [
      bytes.length - 1,
      PFSE_HEADER_BYTES + 2 * SEALED,
      PFSE_HEADER_BYTES + SEALED,
      PFSE_HEADER_BYTES + 3,
      10,
    ]) {
      await refusal(decryptBytes(cek, bytes.subarray(0, cut), { context }));
    }
  });

  it('refuses reordered, dropped and repeated segments', async () => {
    const { cek, bytes } = await sealed(randomBytes(3 * SEGMENT + 1));
    const header = bytes.subarray(0, PFSE_HEADER_BYTES);
    const segment = (i: number) =>
      bytes.subarray(PFSE_HEADER_BYTES + i * SEALED, PFSE_HEADER_BYTES + (i + 1) * SEALED);
    const last = bytes.subarray(PFSE_HEADER_BYTES + 3 * SEALED);
    const variants = [
      concatBytes(header, segment(1), segment(0), segment(2), last),
      concatBytes(header, segment(0), segment(2), last),
      concatBytes(header, segment(0), segment(0), segment(1), segment(2), last),
      concatBytes(header, segment(0), segment(1), segment(2)),
    ];
    for (const variant of variants) await refusal(decryptBytes(cek, variant, { context }));
  });

  it('refuses another object (other image or rendition) and another key', async () => {
    const plain = randomBytes(500);
    const { cek, bytes } = await sealed(plain);
    await refusal(decryptBytes(cek, bytes, { context: objectContext('img_b', 'original') }));
    await refusal(decryptBytes(cek, bytes, { context: objectContext('img_a', 'thumb') }));
    await refusal(decryptBytes(await importContentKey(randomBytes(32)), bytes, { context }));
    // Splicing: the same key's segment from another object does not fit (another nonce prefix and header).
    const other = await encryptBytes(cek, randomBytes(500), { context, segmentShift: SHIFT });
    await refusal(
      decryptBytes(
        cek,
        concatBytes(bytes.subarray(0, PFSE_HEADER_BYTES), other.subarray(PFSE_HEADER_BYTES)),
        { context },
      ),
    );
  });

  it('refuses a ciphertext size no plaintext has', () => {
    expect(() => plaintextSize(PFSE_HEADER_BYTES + 3, SHIFT)).toThrow(DecryptError);
    expect(() => plaintextSize(PFSE_HEADER_BYTES + SEALED + PFSE_TAG_BYTES, SHIFT)).toThrow(DecryptError);
  });
});

describe('PFSE byte ranges', () => {
  const plain = randomBytes(5 * SEGMENT + 300);

  async function readRange(bytes: Uint8Array, cek: CryptoKey, start: number, length: number) {
    const range = cipherRangeFor(plain.length, start, length, SHIFT);
    const slice = bytes.subarray(range.offset, range.offset + range.length);
    const out = await throughChunks(
      slice,
      333,
      decryptRangeStream(cek, bytes.subarray(0, PFSE_HEADER_BYTES), range, { context }),
    );
    return { out, range };
  }

  it('decrypts only the segments a range covers', async () => {
    const { cek, bytes } = await sealed(plain);
    const cases: [number, number][] = [
      [0, 1],
      [0, SEGMENT],
      [SEGMENT - 1, 2],
      [2 * SEGMENT + 5, SEGMENT],
      [5 * SEGMENT, 300],
      [plain.length - 1, 1],
      [0, plain.length],
    ];
    for (const [start, length] of cases) {
      const { out, range } = await readRange(bytes, cek, start, length);
      expect(out).toEqual(plain.subarray(start, start + length));
      expect(range.length).toBe(
        Math.min((range.lastSegment - range.firstSegment + 1) * SEALED, bytes.length - range.offset),
      );
    }
  });

  it('refuses a range whose segments were altered, and a range outside the object', async () => {
    const { cek, bytes } = await sealed(plain);
    const altered = bytes.slice();
    altered[PFSE_HEADER_BYTES + 2 * SEALED + 7]! ^= 0x80;
    await refusal(readRange(altered, cek, 2 * SEGMENT, 10));
    // The final segment is checked as last: a full-size segment moved there does not pass.
    expect(() => cipherRangeFor(plain.length, plain.length, 1, SHIFT)).toThrow(DecryptError);
  });
});
