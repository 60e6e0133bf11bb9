import type { ChunkSigner } from './sigv4';
import { S3Error } from './xml';

/** The largest chunk held in memory while its signature is checked (SDKs send 64 KiB to 8 MiB). */
const MAX_CHUNK_BYTES = 16 * 1024 * 1024;
const MAX_LINE_BYTES = 4096;

const malformed = (message: string) => new S3Error(400, 'IncompleteBody', message);
const badChunkSignature = () =>
  new S3Error(
    403,
    'SignatureDoesNotMatch',
    'The request signature we calculated does not match the signature you provided (a chunk of the body).',
  );

export interface ChunkedOptions {
  /** Signed chunks (STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]): each verified before it is passed on. */
  signer?: ChunkSigner;
  /** The seed signature (the request's own), which the first chunk's signature chains from. */
  seedSignature?: string;
}

function concatAll(pieces: Uint8Array[], total: number): Uint8Array {
  if (pieces.length === 0) return new Uint8Array(0);
  if (pieces.length === 1) return pieces[0]!;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const piece of pieces) {
    out.set(piece, offset);
    offset += piece.length;
  }
  return out;
}

function indexOfCrlf(bytes: Uint8Array, from = 0): number {
  for (let i = from; i + 1 < bytes.length; i++) if (bytes[i] === 13 && bytes[i + 1] === 10) return i;
  return -1;
}

/**
 * Decodes an `aws-chunked` body (`<hex size>[;chunk-signature=<sig>]\r\n<data>\r\n`... a zero-size chunk, then
 * optional trailer lines and a blank line). With a signer, every chunk's signature is checked against the
 * chain before its bytes are passed on, so no unverified byte is stored; a trailer (a checksum) is read and
 * not checked. Errors as S3Errors.
 */
export function awsChunkedDecoder(options: ChunkedOptions = {}): TransformStream<Uint8Array, Uint8Array> {
  // Pieces as they arrived, joined only when a whole line or chunk is there (no copy per piece).
  let pieces: Uint8Array[] = [];
  let total = 0;
  let buffer: Uint8Array = new Uint8Array(0);
  const flatten = () => {
    if (!pieces.length) return;
    buffer = concatAll(
      [buffer, ...pieces].filter((piece) => piece.length > 0),
      buffer.length + total,
    );
    pieces = [];
    total = 0;
  };
  let previous = options.seedSignature ?? '';
  let state: 'header' | 'data' | 'data-crlf' | 'trailer' | 'done' = 'header';
  let size = 0;
  let signature: string | undefined;

  async function step(controller: TransformStreamDefaultController<Uint8Array>): Promise<boolean> {
    if (state === 'header' || state === 'trailer') {
      flatten();
      const end = indexOfCrlf(buffer);
      if (end < 0) {
        if (buffer.length > MAX_LINE_BYTES) throw malformed('An aws-chunked chunk header is too long');
        return false;
      }
      const line = new TextDecoder().decode(buffer.subarray(0, end));
      buffer = buffer.subarray(end + 2);
      if (state === 'trailer') {
        if (line === '') state = 'done';
        return true;
      }
      const [sizeText = '', ...extensions] = line.split(';');
      if (!/^[0-9a-fA-F]{1,8}$/.test(sizeText.trim()))
        throw malformed('An aws-chunked chunk size is not hex');
      size = parseInt(sizeText.trim(), 16);
      if (size > MAX_CHUNK_BYTES) throw malformed('An aws-chunked chunk is larger than 16 MiB');
      signature = extensions
        .map((extension) => extension.trim())
        .find((extension) => extension.startsWith('chunk-signature='))
        ?.slice('chunk-signature='.length);
      if (options.signer && !signature) throw badChunkSignature();
      state = 'data';
      return true;
    }
    if (state === 'data') {
      if (buffer.length + total < size) return false;
      flatten();
      const data = buffer.slice(0, size);
      buffer = buffer.subarray(size);
      if (options.signer) {
        const expected = await options.signer.sign(previous, data);
        if (expected !== signature) throw badChunkSignature();
        previous = expected;
      }
      if (size > 0) controller.enqueue(data);
      // The last (zero-size) chunk is followed by the trailer section, not by its own CRLF... unless no trailer.
      state = size === 0 ? 'trailer' : 'data-crlf';
      return true;
    }
    if (state === 'data-crlf') {
      flatten();
      if (buffer.length < 2) return false;
      if (buffer[0] !== 13 || buffer[1] !== 10) throw malformed('An aws-chunked chunk does not end in CRLF');
      buffer = buffer.subarray(2);
      state = 'header';
      return true;
    }
    // done: anything after the final blank line is ignored
    buffer = new Uint8Array(0);
    pieces = [];
    total = 0;
    return false;
  }

  return new TransformStream<Uint8Array, Uint8Array>({
    async transform(chunk, controller) {
      pieces.push(chunk);
      total += chunk.length;
      while (await step(controller));
    },
    async flush(controller) {
      flatten();
      while (await step(controller));
      // A body ending right after the zero chunk's CRLF (no trailer, no blank line) is complete too.
      if (state !== 'done' && !(state === 'trailer' && buffer.length === 0)) {
        throw malformed('The aws-chunked body ended before its final chunk');
      }
    },
  });
}
