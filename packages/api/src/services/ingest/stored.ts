import {
  IMAGE_EXTENSIONS,
  INGEST_HEAD_BYTES,
  INGEST_MEMORY_LIMIT_BYTES,
  INGEST_TAIL_BYTES,
  MB,
  type ImageContentType,
} from '@pixelflare/config';
import { toHex } from '../../lib/crypto';
import { AppError } from '../../lib/errors';
import {
  fileTooLarge,
  ingestImage,
  sameBytes,
  storeOriginal,
  type IngestDeps,
  type IngestOptions,
  type IngestResult,
  type PreparedOriginal,
} from './ingest';
import {
  broken,
  checkJpegEnd,
  sniffContentType,
  unsupported,
  walkJpegHeader,
  type JpegHeader,
} from './inspect';
import { firstImageDataStream, stripJpegHeader, withDropped } from './metadata';

export interface StoredUploadInput extends IngestOptions {
  /** The R2 key holding the whole upload (tus: assembled there; large two-step PUTs: streamed there). */
  key: string;
}

const missing = () => new AppError(404, 'NOT_FOUND', 'The uploaded file is missing');

/** `length` bytes of the object from `offset` (or its last `suffix` bytes), read into memory: small reads only. */
async function readRange(bucket: R2Bucket, key: string, range: R2Range): Promise<Uint8Array> {
  const object = await bucket.get(key, { range });
  if (!object) throw missing();
  return new Uint8Array(await object.arrayBuffer());
}

/** The object from `offset` to its end, as a stream (never buffered whole). */
async function streamFrom(
  bucket: R2Bucket,
  key: string,
  offset: number,
): Promise<ReadableStream<Uint8Array>> {
  const object = await bucket.get(key, { range: { offset } });
  if (!object) throw missing();
  return object.body;
}

/** Writes `header`, then pipes `rest` (the filtered R2 body) into `destination`; backpressure bounds what is in flight. */
async function writeWithHeader(
  header: Uint8Array,
  rest: ReadableStream<Uint8Array>,
  destination: WritableStream<Uint8Array>,
): Promise<void> {
  const writer = destination.getWriter();
  await writer.write(header);
  writer.releaseLock();
  await rest.pipeTo(destination);
}

const formatName = (contentType: ImageContentType) => IMAGE_EXTENSIONS[contentType].toUpperCase();

/**
 * Only JPEG is ingested above the memory limit: its private metadata sits in the header segments before the
 * scan, so a bounded head is enough. PNG, WebP and GIF may carry metadata (or, for GIF, a polyglot's payload)
 * anywhere in the file, and the structure checks walk the whole of it, so they are refused rather than held.
 */
function refuseTooLargeFor(contentType: ImageContentType): AppError {
  return new AppError(
    413,
    'PAYLOAD_TOO_LARGE',
    `${formatName(contentType)} files are accepted up to ${INGEST_MEMORY_LIMIT_BYTES / MB} MB; only JPEG may be larger`,
  );
}

/** Walks the header segments in the head; a header that does not fit in it is refused, not misread as truncated. */
function walkHeaderInHead(head: Uint8Array, size: number): JpegHeader {
  try {
    return walkJpegHeader(head);
  } catch (error) {
    if (head.length < size && error instanceof AppError && /truncated/.test(error.message)) {
      throw broken(`the JPEG header segments are larger than ${INGEST_HEAD_BYTES / MB} MB`);
    }
    throw error;
  }
}

/**
 * The bounded path for a JPEG in R2: the header segments are rewritten in memory (at most the head); the image
 * data after them is streamed from R2 through the same filter as the in-memory path (segments between scans and
 * anything after the first image's end dropped), once to hash and measure it and once into the destination.
 * When stripping changes nothing the object is already the original and is not written again.
 */
async function prepareJpegFromR2(
  bucket: R2Bucket,
  key: string,
  size: number,
  header: Uint8Array,
): Promise<PreparedOriginal> {
  const stripped = await stripJpegHeader(header);
  const imageData = async () => {
    const filtered = firstImageDataStream();
    const body = await streamFrom(bucket, key, header.length);
    return { ...filtered, readable: body.pipeThrough(filtered.stream) };
  };
  const digest = new crypto.DigestStream('SHA-256');
  const measured = await imageData();
  await writeWithHeader(stripped.bytes, measured.readable, digest);
  const contentHash = toHex(await digest.digest);
  const dataLength = measured.bytesOut();
  const length = stripped.bytes.length + dataLength;
  // The filter only drops bytes: as long as the original, it kept all of them.
  const unchanged = sameBytes(stripped.bytes, header) && dataLength === size - header.length;
  return {
    length,
    contentHash,
    summary: withDropped(stripped.summary, measured.filter.removed),
    orientation: stripped.orientation,
    storedAt: unchanged ? key : undefined,
    streamsFrom: key,
    open: async () => {
      const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
      const source = await imageData();
      void writeWithHeader(stripped.bytes, source.readable, writable).catch(() => undefined);
      return readable;
    },
    write: async (destination) => {
      // The final length is known, so R2 takes the stream as one PUT; `sha256` makes R2 refuse the write if
      // the second read did not produce the bytes that were hashed (and deduplicated) above.
      const { readable, writable } = new FixedLengthStream(length);
      // The source is opened first: a put failing while it opened would otherwise reject unobserved.
      const source = await imageData();
      await Promise.all([
        bucket.put(destination, readable, {
          httpMetadata: { contentType: 'image/jpeg' },
          sha256: contentHash,
        }),
        writeWithHeader(stripped.bytes, source.readable, writable),
      ]);
    },
  };
}

/** Files above the memory limit: type, structure and size from a ranged head (and the EOI from the tail). */
async function ingestLargeUpload(
  deps: IngestDeps,
  input: StoredUploadInput,
  size: number,
): Promise<IngestResult> {
  const head = await readRange(deps.bucket, input.key, {
    offset: 0,
    length: Math.min(size, INGEST_HEAD_BYTES),
  });
  const contentType = sniffContentType(head);
  if (!contentType) throw unsupported();
  if (contentType !== 'image/jpeg') throw refuseTooLargeFor(contentType);
  const { width, height, scanOffset } = walkHeaderInHead(head, size);
  checkJpegEnd(await readRange(deps.bucket, input.key, { suffix: Math.min(size, INGEST_TAIL_BYTES) }));
  const inspected = { contentType, width, height, isAnimated: false };
  return storeOriginal(deps, input, inspected, () =>
    prepareJpegFromR2(deps.bucket, input.key, size, head.slice(0, scanOffset)),
  );
}

/**
 * Ingests an upload whose bytes are already in R2 at `input.key`. Up to `INGEST_MEMORY_LIMIT_BYTES` it is
 * read whole and takes the in-memory path exactly like a one-shot upload; above it, the bounded path.
 * The caller removes the object at `key` unless it became the image's original (`image.storageKey`).
 */
export async function ingestStoredUpload(deps: IngestDeps, input: StoredUploadInput): Promise<IngestResult> {
  const object = await deps.bucket.head(input.key);
  if (!object) throw missing();
  const maxBytes = deps.limits.maxBytes[input.way];
  if (object.size > maxBytes) throw fileTooLarge(maxBytes);
  if (object.size > INGEST_MEMORY_LIMIT_BYTES) return ingestLargeUpload(deps, input, object.size);
  const whole = await deps.bucket.get(input.key);
  if (!whole) throw missing();
  const bytes = new Uint8Array(await whole.arrayBuffer());
  return ingestImage(deps, { ...input, bytes, storedAt: input.key });
}
