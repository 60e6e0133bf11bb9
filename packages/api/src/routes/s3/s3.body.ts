import { sha256Hex } from '../../lib/crypto';
import { awsChunkedDecoder } from '../../services/s3/chunked';
import {
  chunkSigner,
  STREAMING_SIGNED,
  STREAMING_SIGNED_TRAILER,
  STREAMING_UNSIGNED_TRAILER,
  UNSIGNED_PAYLOAD,
  type ParsedSignature,
} from '../../services/s3/sigv4';
import { S3Error, s3Errors } from '../../services/s3/xml';

/** How a request's body is to be read, from its `x-amz-content-sha256` and headers. */
export interface PayloadPlan {
  /** The body as the client meant it: aws-chunked decoded (each chunk's signature checked when signed). */
  stream: ReadableStream<Uint8Array> | null;
  /** The decoded length when known (Content-Length, or x-amz-decoded-content-length for aws-chunked). */
  length: number | null;
  /** A hex SHA-256 the bytes must have (header auth with a signed payload hash). */
  sha256: string | null;
}

const mismatch = () =>
  new S3Error(
    400,
    'XAmzContentSHA256Mismatch',
    "The provided 'x-amz-content-sha256' header does not match what was computed.",
  );

export async function payloadPlan(
  request: Request,
  parsed: ParsedSignature,
  secret: string,
): Promise<PayloadPlan> {
  const hash = parsed.payloadHash;
  const lengthHeader = request.headers.get('content-length');
  const declared = lengthHeader === null ? null : Number(lengthHeader);
  if (hash.startsWith('STREAMING-')) {
    if (![STREAMING_SIGNED, STREAMING_SIGNED_TRAILER, STREAMING_UNSIGNED_TRAILER].includes(hash)) {
      throw s3Errors.invalidArgument(`x-amz-content-sha256 "${hash}" is not supported`);
    }
    const decodedHeader = request.headers.get('x-amz-decoded-content-length');
    const decoded = decodedHeader === null ? null : Number(decodedHeader);
    if (decoded !== null && !Number.isSafeInteger(decoded)) {
      throw s3Errors.invalidArgument('x-amz-decoded-content-length must be a number');
    }
    const signed = hash === STREAMING_SIGNED || hash === STREAMING_SIGNED_TRAILER;
    const decoder = awsChunkedDecoder(
      signed
        ? { signer: await chunkSigner(parsed, secret), seedSignature: parsed.signature.toLowerCase() }
        : {},
    );
    return { stream: request.body ? request.body.pipeThrough(decoder) : null, length: decoded, sha256: null };
  }
  return {
    stream: request.body,
    length: declared !== null && Number.isSafeInteger(declared) ? declared : null,
    sha256: hash === UNSIGNED_PAYLOAD ? null : hash.toLowerCase(),
  };
}

/** The whole body in memory, refused beyond `limit` bytes (EntityTooLarge) and checked against its signed hash. */
export async function readWhole(plan: PayloadPlan, limit: number): Promise<Uint8Array> {
  if (plan.length !== null && plan.length > limit) throw s3Errors.entityTooLarge(limit);
  const chunks: Uint8Array[] = [];
  let total = 0;
  if (plan.stream) {
    const reader = plan.stream.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > limit) {
        await reader.cancel().catch(() => undefined);
        throw s3Errors.entityTooLarge(limit);
      }
      chunks.push(value);
    }
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  if (plan.length !== null && plan.length !== total) {
    throw new S3Error(
      400,
      'IncompleteBody',
      'You did not provide the number of bytes specified by the Content-Length HTTP header',
    );
  }
  if (plan.sha256 && (await sha256Hex(bytes)) !== plan.sha256) throw mismatch();
  return bytes;
}

/**
 * The body as a stream of known length (R2 needs one), for an upload part. A signed payload hash is checked
 * on a copy as it passes (crypto.DigestStream); the part is already stored when a mismatch is found, so the
 * answer is an error and the client uploads that part again.
 */
export function streamOfKnownLength(plan: PayloadPlan): {
  stream: ReadableStream<Uint8Array>;
  length: number;
  verify: () => Promise<void>;
} {
  if (plan.length === null) {
    throw new S3Error(411, 'MissingContentLength', 'You must provide the Content-Length HTTP header.');
  }
  const source = plan.stream ?? new Blob([]).stream();
  const fixed = new FixedLengthStream(plan.length);
  let piped: Promise<void> = Promise.resolve();
  let digest: Promise<ArrayBuffer> | null = null;
  if (plan.sha256) {
    const [toStore, toHash] = source.tee();
    const hasher = new crypto.DigestStream('SHA-256');
    digest = hasher.digest;
    piped = Promise.all([toStore.pipeTo(fixed.writable), toHash.pipeTo(hasher)]).then(() => undefined);
  } else {
    piped = source.pipeTo(fixed.writable);
  }
  piped.catch(() => undefined);
  return {
    stream: fixed.readable,
    length: plan.length,
    async verify() {
      await piped.catch((error: unknown) => {
        throw error instanceof S3Error
          ? error
          : new S3Error(
              400,
              'IncompleteBody',
              'You did not provide the number of bytes specified by the Content-Length HTTP header',
            );
      });
      if (digest && plan.sha256) {
        const hex = [...new Uint8Array(await digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
        if (hex !== plan.sha256) throw mismatch();
      }
    },
  };
}
