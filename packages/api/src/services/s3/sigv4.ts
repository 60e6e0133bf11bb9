import { AwsV4Signer } from 'aws4fetch';
import { sha256Hex, timingSafeEqual, toHex } from '../../lib/crypto';
import { S3Error, s3Errors } from './xml';

/**
 * AWS Signature Version 4 as S3 checks it: the `Authorization: AWS4-HMAC-SHA256 ...` header or a presigned URL's
 * `X-Amz-*` query. The expected signature is computed by aws4fetch's signer (the canonical request: S3's single
 * URI encoding, sorted query, the client's signed headers), fed the request exactly as it arrived.
 */

export const ALGORITHM = 'AWS4-HMAC-SHA256';
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
/** aws-chunked bodies: signed chunks, unsigned chunks with a trailer, signed chunks with a trailer. */
export const STREAMING_SIGNED = 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD';
export const STREAMING_SIGNED_TRAILER = 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER';
export const STREAMING_UNSIGNED_TRAILER = 'STREAMING-UNSIGNED-PAYLOAD-TRAILER';

/** How far a header-signed request's clock may be from ours (S3's own limit). */
export const MAX_CLOCK_SKEW_SECONDS = 15 * 60;
/** The longest a presigned URL may live (S3's limit: 7 days). */
export const MAX_PRESIGN_EXPIRES_SECONDS = 7 * 24 * 60 * 60;

export interface SignedRequestInput {
  method: string;
  /** The full URL as received (presigned: with its `X-Amz-*` parameters). */
  url: string;
  headers: Headers;
}

export interface ParsedSignature {
  kind: 'header' | 'query';
  accessKeyId: string;
  /** `YYYYMMDD`, from the credential scope. */
  date: string;
  region: string;
  /** `YYYYMMDDTHHMMSSZ`. */
  datetime: string;
  signedHeaders: string[];
  signature: string;
  /** `x-amz-content-sha256` (header auth); `UNSIGNED-PAYLOAD` for a presigned URL. */
  payloadHash: string;
  /** Presigned URLs only. */
  expiresSeconds?: number;
}

const authError = (message: string) => new S3Error(400, 'AuthorizationHeaderMalformed', message);
const queryError = (message: string) => new S3Error(400, 'AuthorizationQueryParametersError', message);

function datetimeMs(datetime: string): number | null {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(datetime);
  if (!match) return null;
  const [, y, mo, d, h, mi, s] = match.map(Number) as number[];
  return Date.UTC(y!, mo! - 1, d!, h!, mi!, s!);
}

function parseCredential(credential: string, datetime: string, fail: (message: string) => S3Error) {
  const parts = credential.split('/');
  if (parts.length !== 5)
    throw fail(`The credential "${credential}" is not of the form KEY/DATE/REGION/s3/aws4_request`);
  const [accessKeyId, date, region, service, terminal] = parts as [string, string, string, string, string];
  if (service !== 's3') throw fail(`The credential scope names the service "${service}"; expected "s3"`);
  if (terminal !== 'aws4_request') throw fail('The credential scope must end in "aws4_request"');
  if (!/^\d{8}$/.test(date) || date !== datetime.slice(0, 8)) {
    throw fail('The credential date does not match the request date (X-Amz-Date)');
  }
  if (!accessKeyId) throw fail('The credential names no access key');
  return { accessKeyId, date, region };
}

/**
 * Reads the signature of a request (header or presigned query), checking its form and time: a header-signed
 * request within 15 minutes of now, a presigned URL not yet expired. Null when the request is not signed at all.
 */
export function parseSignature(input: SignedRequestInput, now = Date.now()): ParsedSignature | null {
  const url = new URL(input.url);
  const authorization = input.headers.get('authorization');
  if (authorization) {
    if (!authorization.startsWith(`${ALGORITHM} `)) {
      throw authError(`Only ${ALGORITHM} (Signature Version 4) is supported`);
    }
    const fields = new Map<string, string>();
    for (const part of authorization.slice(ALGORITHM.length + 1).split(',')) {
      const [name, ...value] = part.trim().split('=');
      if (name) fields.set(name, value.join('='));
    }
    const credential = fields.get('Credential');
    const signedHeaders = fields.get('SignedHeaders');
    const signature = fields.get('Signature');
    if (!credential || !signedHeaders || !signature) {
      throw authError('The authorization header needs Credential, SignedHeaders and Signature');
    }
    const datetime = input.headers.get('x-amz-date') ?? '';
    const at = datetimeMs(datetime);
    if (at === null)
      throw new S3Error(403, 'AccessDenied', 'AWS authentication requires a valid X-Amz-Date header');
    if (Math.abs(now - at) > MAX_CLOCK_SKEW_SECONDS * 1000) {
      throw new S3Error(
        403,
        'RequestTimeTooSkewed',
        'The difference between the request time and the current time is too large.',
      );
    }
    const payloadHash = input.headers.get('x-amz-content-sha256');
    if (!payloadHash)
      throw s3Errors.invalidRequest('Missing required header for this request: x-amz-content-sha256');
    return {
      kind: 'header',
      ...parseCredential(credential, datetime, authError),
      datetime,
      signedHeaders: signedHeaders.split(';'),
      signature,
      payloadHash,
    };
  }
  const query = url.searchParams;
  if (!query.has('X-Amz-Signature') && !query.has('X-Amz-Algorithm')) return null;
  if (query.get('X-Amz-Algorithm') !== ALGORITHM) throw queryError(`X-Amz-Algorithm must be ${ALGORITHM}`);
  const credential = query.get('X-Amz-Credential');
  const signedHeaders = query.get('X-Amz-SignedHeaders');
  const signature = query.get('X-Amz-Signature');
  const datetime = query.get('X-Amz-Date') ?? '';
  const expires = Number(query.get('X-Amz-Expires'));
  if (!credential || !signedHeaders || !signature) {
    throw queryError('A presigned URL needs X-Amz-Credential, X-Amz-SignedHeaders and X-Amz-Signature');
  }
  const at = datetimeMs(datetime);
  if (at === null) throw queryError('X-Amz-Date must be of the form YYYYMMDDTHHMMSSZ');
  if (!Number.isInteger(expires) || expires < 1)
    throw queryError('X-Amz-Expires must be a whole number of seconds');
  if (expires > MAX_PRESIGN_EXPIRES_SECONDS) {
    throw queryError(
      'X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than 604800 seconds',
    );
  }
  if (now < at - MAX_CLOCK_SKEW_SECONDS * 1000) throw s3Errors.accessDenied('Request is not valid yet');
  if (now > at + expires * 1000) throw s3Errors.accessDenied('Request has expired');
  return {
    kind: 'query',
    ...parseCredential(credential, datetime, queryError),
    datetime,
    signedHeaders: signedHeaders.split(';'),
    signature,
    payloadHash: UNSIGNED_PAYLOAD,
    expiresSeconds: expires,
  };
}

/** The signature the request should carry, signed with `secret`: the canonical request as AWS builds it. */
export async function expectedSignature(
  input: SignedRequestInput,
  parsed: ParsedSignature,
  secret: string,
): Promise<string> {
  return (await signerFor(input, parsed, secret)).signature();
}

/** aws4fetch's signer, set up with the request exactly as it arrived (its signed headers, its host, its date). */
function signerFor(input: SignedRequestInput, parsed: ParsedSignature, secret: string): AwsV4Signer {
  if (!parsed.signedHeaders.includes('host')) {
    throw new S3Error(403, 'AccessDenied', 'The host header must be signed');
  }
  const url = new URL(input.url);
  const headers = new Headers();
  for (const name of parsed.signedHeaders) {
    if (name === 'host') continue;
    headers.set(name, input.headers.get(name) ?? '');
  }
  if (parsed.kind === 'query') {
    url.searchParams.delete('X-Amz-Signature');
  }
  const signer = new AwsV4Signer({
    method: input.method,
    url: url.toString(),
    headers,
    accessKeyId: parsed.accessKeyId,
    secretAccessKey: secret,
    service: 's3',
    region: parsed.region,
    datetime: parsed.datetime,
    signQuery: parsed.kind === 'query',
    allHeaders: true,
  });
  // The signer signs the URL's own host; the client signed the Host header it sent (the same, unless a proxy).
  const host = input.headers.get('host');
  if (host && host !== signer.url.host) {
    signer.canonicalHeaders = signer.canonicalHeaders.replace(`host:${signer.url.host}`, `host:${host}`);
  }
  return signer;
}

export type SignatureCheck =
  | { ok: true }
  /** What S3 puts in its SignatureDoesNotMatch answer, so a client can see where its signing differed. */
  | { ok: false; canonicalRequest: string; stringToSign: string };

/**
 * Values a client may have signed for `Accept-Encoding` before the runtime rewrote it (workerd, like Cloudflare's
 * edge, turns Go's `gzip`, which rclone signs, into `br, gzip`): tried, in order, only when the header is signed
 * and the value as received does not match.
 */
const SIGNED_ACCEPT_ENCODINGS = ['gzip', 'identity', 'gzip, deflate', 'gzip, deflate, br', 'br'];

/** Whether the request's signature is the one `secret` makes. */
export async function checkSignature(
  input: SignedRequestInput,
  parsed: ParsedSignature,
  secret: string,
): Promise<SignatureCheck> {
  const signer = signerFor(input, parsed, secret);
  const given = parsed.signature.toLowerCase();
  if (timingSafeEqual(await signer.signature(), given)) return { ok: true };
  const received = input.headers.get('accept-encoding');
  if (received !== null && parsed.signedHeaders.includes('accept-encoding')) {
    for (const value of SIGNED_ACCEPT_ENCODINGS) {
      if (value === received) continue;
      const headers = new Headers(input.headers);
      headers.set('accept-encoding', value);
      if (timingSafeEqual(await signerFor({ ...input, headers }, parsed, secret).signature(), given)) {
        return { ok: true };
      }
    }
  }
  return {
    ok: false,
    canonicalRequest: await signer.canonicalString(),
    stringToSign: await signer.stringToSign(),
  };
}

export async function signatureMatches(
  input: SignedRequestInput,
  parsed: ParsedSignature,
  secret: string,
): Promise<boolean> {
  return (await checkSignature(input, parsed, secret)).ok;
}

// ---- Signing keys and chunk signatures (aws-chunked bodies) ----

const encoder = new TextEncoder();

async function hmac(key: Uint8Array | string, message: string): Promise<Uint8Array> {
  const raw = typeof key === 'string' ? encoder.encode(key) : key;
  const imported = await crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
  ]);
  return new Uint8Array(await crypto.subtle.sign('HMAC', imported, encoder.encode(message)));
}

/** kSigning = HMAC chain over date, region, service and `aws4_request`. */
export async function signingKey(secret: string, date: string, region: string): Promise<Uint8Array> {
  const kDate = await hmac(`AWS4${secret}`, date);
  const kRegion = await hmac(kDate, region);
  const kService = await hmac(kRegion, 's3');
  return hmac(kService, 'aws4_request');
}

export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** What signs each chunk of a STREAMING-AWS4-HMAC-SHA256-PAYLOAD body, chained from the seed (header) signature. */
export interface ChunkSigner {
  /** The signature chunk `data` must carry, given the previous chunk's (the seed's for the first). */
  sign(previous: string, data: Uint8Array): Promise<string>;
}

export async function chunkSigner(parsed: ParsedSignature, secret: string): Promise<ChunkSigner> {
  const key = await signingKey(secret, parsed.date, parsed.region);
  const scope = `${parsed.date}/${parsed.region}/s3/aws4_request`;
  return {
    async sign(previous, data) {
      const stringToSign = [
        'AWS4-HMAC-SHA256-PAYLOAD',
        parsed.datetime,
        scope,
        previous,
        EMPTY_SHA256,
        await sha256Hex(data),
      ].join('\n');
      return toHex(await hmac(key, stringToSign));
    },
  };
}
