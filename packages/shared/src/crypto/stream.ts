import { ByteQueue, buf, concatBytes, randomBytes, utf8 } from './bytes';

/**
 * Pixelflare segmented encryption (PFSE v1): an object sealed in fixed-size segments with AES-256-GCM, in the
 * manner of Tink's streaming AEAD and age's STREAM, so that any size streams through bounded memory, a byte
 * range decrypts only the segments it covers, and truncation, reordering and splicing are detected.
 *
 *   object  = header || segment_0 || ... || segment_{N-1}
 *   header  = "PFSE" (4) || version 0x01 (1) || log2(segment size) (1) || 0x000000 (3) || nonce prefix (7 random)
 *   segment = AES-256-GCM(key = CEK, nonce, plaintext_i, aad) = ciphertext_i || tag (16)
 *   nonce   = nonce prefix (7) || i as uint32 big-endian (4) || 0x01 if i = N-1 else 0x00 (1)
 *   aad     = header (16) || UTF-8 of the object's context ("pixelflare/<image id>/<rendition>")
 *
 * Every segment holds exactly `segmentSize` plaintext bytes (65,536) except the last, which holds 1 to
 * `segmentSize` (0 only for an empty object, which is one empty last segment). N = max(1, ceil(n / size)).
 * The ciphertext of an n-byte plaintext is 16 + n + 16·N bytes, so the plaintext size follows from the
 * object's size alone. Segment i starts at 16 + i·(size + 16).
 */
export const PFSE_MAGIC = utf8('PFSE');
export const PFSE_VERSION = 1;
export const PFSE_HEADER_BYTES = 16;
export const PFSE_TAG_BYTES = 16;
export const PFSE_NONCE_PREFIX_BYTES = 7;
export const PFSE_DEFAULT_SEGMENT_SHIFT = 16;
/** Segments are 2^shift bytes; the shift is in the header, between these bounds. */
const MIN_SEGMENT_SHIFT = 10;
const MAX_SEGMENT_SHIFT = 24;
const MAX_SEGMENTS = 2 ** 32;

/** Why decryption refused: the bytes are not what was sealed under this key and context. */
export type DecryptFailure = 'format' | 'authentication' | 'truncated' | 'range';

export class DecryptError extends Error {
  constructor(
    readonly reason: DecryptFailure,
    message: string,
  ) {
    super(message);
    this.name = 'DecryptError';
  }
}

export interface SegmentLayout {
  segmentSize: number;
  headerBytes: number;
}

const layoutOf = (shift: number): SegmentLayout => ({
  segmentSize: 2 ** shift,
  headerBytes: PFSE_HEADER_BYTES,
});

/** Ciphertext bytes of an n-byte plaintext. */
export function encryptedSize(plainBytes: number, segmentShift = PFSE_DEFAULT_SEGMENT_SHIFT): number {
  const { segmentSize } = layoutOf(segmentShift);
  const segments = Math.max(1, Math.ceil(plainBytes / segmentSize));
  return PFSE_HEADER_BYTES + plainBytes + segments * PFSE_TAG_BYTES;
}

/** Plaintext bytes of a ciphertext object of `cipherBytes`, or a DecryptError when no plaintext has that size. */
export function plaintextSize(cipherBytes: number, segmentShift = PFSE_DEFAULT_SEGMENT_SHIFT): number {
  const { segmentSize } = layoutOf(segmentShift);
  const body = cipherBytes - PFSE_HEADER_BYTES;
  if (body < PFSE_TAG_BYTES) throw new DecryptError('truncated', 'The encrypted object is truncated');
  const segments = Math.ceil(body / (segmentSize + PFSE_TAG_BYTES));
  const plain = body - segments * PFSE_TAG_BYTES;
  // A last segment of only a tag exists only for the empty object.
  if (plain < 0 || (segments > 1 && plain <= (segments - 1) * segmentSize)) {
    throw new DecryptError('truncated', 'The encrypted object is truncated');
  }
  return plain;
}

export interface StreamHeader {
  bytes: Uint8Array;
  segmentShift: number;
  noncePrefix: Uint8Array;
}

export function newHeader(segmentShift = PFSE_DEFAULT_SEGMENT_SHIFT): StreamHeader {
  const noncePrefix = randomBytes(PFSE_NONCE_PREFIX_BYTES);
  const bytes = concatBytes(PFSE_MAGIC, Uint8Array.of(PFSE_VERSION, segmentShift, 0, 0, 0), noncePrefix);
  return { bytes, segmentShift, noncePrefix };
}

export function parseHeader(bytes: Uint8Array): StreamHeader {
  if (bytes.length < PFSE_HEADER_BYTES)
    throw new DecryptError('truncated', 'The encrypted object is truncated');
  const header = bytes.subarray(0, PFSE_HEADER_BYTES);
  if (!PFSE_MAGIC.every((byte, i) => header[i] === byte)) {
    throw new DecryptError('format', 'Not a Pixelflare encrypted object (bad magic)');
  }
  if (header[4] !== PFSE_VERSION) {
    throw new DecryptError('format', `Unsupported encryption format version ${header[4]}`);
  }
  const segmentShift = header[5]!;
  if (
    segmentShift < MIN_SEGMENT_SHIFT ||
    segmentShift > MAX_SEGMENT_SHIFT ||
    header[6] ||
    header[7] ||
    header[8]
  ) {
    throw new DecryptError('format', 'Malformed encryption header');
  }
  return { bytes: header.slice(), segmentShift, noncePrefix: header.slice(9, 16) };
}

function nonceFor(prefix: Uint8Array, index: number, last: boolean): Uint8Array {
  if (index >= MAX_SEGMENTS) throw new RangeError('Too many segments for one object');
  const nonce = new Uint8Array(12);
  nonce.set(prefix, 0);
  new DataView(nonce.buffer).setUint32(7, index, false);
  nonce[11] = last ? 1 : 0;
  return nonce;
}

/** The associated data every segment of an object is bound to: its header and the context naming it. */
const aadFor = (header: Uint8Array, context: string) => concatBytes(header, utf8(context));

/** Imports 32 raw bytes as an AES-256-GCM key for segments. */
export function importContentKey(raw: Uint8Array): Promise<CryptoKey> {
  if (raw.length !== 32) throw new RangeError('A content key is 32 bytes');
  return crypto.subtle.importKey('raw', buf(raw), 'AES-GCM', false, ['encrypt', 'decrypt']);
}

async function sealSegment(
  key: CryptoKey,
  header: StreamHeader,
  aad: Uint8Array,
  index: number,
  last: boolean,
  plain: Uint8Array,
): Promise<Uint8Array> {
  const iv = nonceFor(header.noncePrefix, index, last);
  const sealed = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv: buf(iv), additionalData: buf(aad), tagLength: 128 },
    key,
    buf(plain),
  );
  return new Uint8Array(sealed);
}

async function openSegment(
  key: CryptoKey,
  header: StreamHeader,
  aad: Uint8Array,
  index: number,
  last: boolean,
  sealed: Uint8Array,
): Promise<Uint8Array> {
  const iv = nonceFor(header.noncePrefix, index, last);
  try {
    const plain = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: buf(iv), additionalData: buf(aad), tagLength: 128 },
      key,
      buf(sealed),
    );
    return new Uint8Array(plain);
  } catch {
    throw new DecryptError(
      'authentication',
      `Segment ${index} failed authentication: the object was altered, truncated, reordered, or sealed under another key or image`,
    );
  }
}

export interface StreamOptions {
  /** The object's identity, bound into every segment: `pixelflare/<image id>/<rendition>`. */
  context: string;
  segmentShift?: number;
}

/** The context string an image's object is sealed under. */
export const objectContext = (imageId: string, rendition: string) => `pixelflare/${imageId}/${rendition}`;

/**
 * Encrypts a byte stream. One segment (plus what the input chunk adds) is held at a time: a full segment is
 * sealed as "not last" only once a further byte arrives, so the last segment is known when the input ends.
 */
export function encryptStream(
  key: CryptoKey,
  options: StreamOptions,
): TransformStream<Uint8Array, Uint8Array> {
  const header = newHeader(options.segmentShift);
  const { segmentSize } = layoutOf(header.segmentShift);
  const aad = aadFor(header.bytes, options.context);
  const pending = new ByteQueue();
  let index = 0;
  return new TransformStream<Uint8Array, Uint8Array>({
    start(controller) {
      controller.enqueue(header.bytes);
    },
    async transform(chunk, controller) {
      pending.push(chunk);
      while (pending.length > segmentSize) {
        controller.enqueue(await sealSegment(key, header, aad, index++, false, pending.take(segmentSize)));
      }
    },
    async flush(controller) {
      controller.enqueue(await sealSegment(key, header, aad, index, true, pending.take(pending.length)));
    },
  });
}

/**
 * Decrypts a whole object as a stream. A segment is released only once authenticated; the end of input must
 * come right after a segment sealed as last, so a cut at a segment boundary is refused too.
 */
export function decryptStream(
  key: CryptoKey,
  options: StreamOptions,
): TransformStream<Uint8Array, Uint8Array> {
  const pending = new ByteQueue();
  let header: StreamHeader | undefined;
  let aad: Uint8Array = new Uint8Array();
  let sealedSize = 0;
  let index = 0;
  return new TransformStream<Uint8Array, Uint8Array>({
    async transform(chunk, controller) {
      pending.push(chunk);
      if (!header) {
        if (pending.length < PFSE_HEADER_BYTES) return;
        header = parseHeader(pending.take(PFSE_HEADER_BYTES));
        aad = aadFor(header.bytes, options.context);
        sealedSize = layoutOf(header.segmentShift).segmentSize + PFSE_TAG_BYTES;
      }
      while (pending.length > sealedSize) {
        controller.enqueue(await openSegment(key, header, aad, index++, false, pending.take(sealedSize)));
      }
    },
    async flush(controller) {
      if (!header || pending.length < PFSE_TAG_BYTES) {
        throw new DecryptError('truncated', 'The encrypted object is truncated');
      }
      controller.enqueue(await openSegment(key, header, aad, index, true, pending.take(pending.length)));
    },
  });
}

/** Encrypts bytes held in memory (renditions, tests). */
export async function encryptBytes(
  key: CryptoKey,
  plain: Uint8Array,
  options: StreamOptions,
): Promise<Uint8Array> {
  return collect(new Blob([buf(plain)]).stream().pipeThrough(encryptStream(key, options)));
}

export async function decryptBytes(
  key: CryptoKey,
  sealed: Uint8Array,
  options: StreamOptions,
): Promise<Uint8Array> {
  return collect(new Blob([buf(sealed)]).stream().pipeThrough(decryptStream(key, options)));
}

async function collect(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const part of stream as unknown as AsyncIterable<Uint8Array>) parts.push(part);
  return concatBytes(...parts);
}

/** Where a plaintext byte range lives in the ciphertext: the segments to fetch and how to cut their plaintext. */
export interface CipherRange {
  firstSegment: number;
  lastSegment: number;
  /** Ciphertext bytes to fetch (the whole segments covering the range). */
  offset: number;
  length: number;
  /** Plaintext bytes to drop from the first fetched segment, and to keep in all. */
  skip: number;
  take: number;
  segmentCount: number;
}

/** The segments covering plaintext bytes [start, start + length) of an object of `plainBytes`. */
export function cipherRangeFor(
  plainBytes: number,
  start: number,
  length: number,
  segmentShift = PFSE_DEFAULT_SEGMENT_SHIFT,
): CipherRange {
  if (start < 0 || length <= 0 || start + length > plainBytes) {
    throw new DecryptError('range', 'The byte range is outside the object');
  }
  const { segmentSize } = layoutOf(segmentShift);
  const sealedSize = segmentSize + PFSE_TAG_BYTES;
  const segmentCount = Math.max(1, Math.ceil(plainBytes / segmentSize));
  const firstSegment = Math.floor(start / segmentSize);
  const lastSegment = Math.floor((start + length - 1) / segmentSize);
  const offset = PFSE_HEADER_BYTES + firstSegment * sealedSize;
  const end = Math.min(
    PFSE_HEADER_BYTES + (lastSegment + 1) * sealedSize,
    encryptedSize(plainBytes, segmentShift),
  );
  return {
    firstSegment,
    lastSegment,
    offset,
    length: end - offset,
    skip: start - firstSegment * segmentSize,
    take: length,
    segmentCount,
  };
}

/**
 * Decrypts the segments of `range` (read from the object at `range.offset`), yielding only the requested
 * plaintext bytes: a range reads and authenticates the segments it covers and nothing else.
 */
export function decryptRangeStream(
  key: CryptoKey,
  headerBytes: Uint8Array,
  range: CipherRange,
  options: StreamOptions,
): TransformStream<Uint8Array, Uint8Array> {
  const header = parseHeader(headerBytes);
  const sealedSize = layoutOf(header.segmentShift).segmentSize + PFSE_TAG_BYTES;
  const aad = aadFor(header.bytes, options.context);
  const pending = new ByteQueue();
  let index = range.firstSegment;
  let skip = range.skip;
  let left = range.take;
  const emit = (plain: Uint8Array, controller: TransformStreamDefaultController<Uint8Array>) => {
    const part = plain.subarray(skip, Math.min(plain.length, skip + left));
    skip = 0;
    left -= part.length;
    if (part.length > 0) controller.enqueue(part);
  };
  const openNext = async (sealed: Uint8Array, controller: TransformStreamDefaultController<Uint8Array>) => {
    const last = index === range.segmentCount - 1;
    emit(await openSegment(key, header, aad, index++, last, sealed), controller);
  };
  return new TransformStream<Uint8Array, Uint8Array>({
    async transform(chunk, controller) {
      pending.push(chunk);
      while (pending.length >= sealedSize && index < range.segmentCount - 1) {
        await openNext(pending.take(sealedSize), controller);
      }
    },
    async flush(controller) {
      if (index <= range.lastSegment) {
        if (pending.length < PFSE_TAG_BYTES)
          throw new DecryptError('truncated', 'The encrypted object is truncated');
        await openNext(pending.take(pending.length), controller);
      }
      if (left > 0 || index <= range.lastSegment) {
        throw new DecryptError('truncated', 'The encrypted object is truncated');
      }
    },
  });
}
