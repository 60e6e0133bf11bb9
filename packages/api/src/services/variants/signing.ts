import { canonicalCdnQuery } from '@pixelflare/shared';
import { hmacSha256Hex, timingSafeEqual } from '../../lib/crypto';
import { AppError } from '../../lib/errors';

const versionKey = (ownerId: string) => `cdn-signing-version:${ownerId}`;

/** When an account is deleted: its signing-key version goes with it. */
export async function forgetSigningVersion(kv: KVNamespace, ownerId: string): Promise<void> {
  await kv.delete(versionKey(ownerId));
}

/**
 * Each owner signs with a secret derived from the server secret, their id and a version kept in KV:
 * rotating bumps the version, which invalidates every URL signed before.
 */
async function ownerSecret(kv: KVNamespace, serverSecret: string, ownerId: string): Promise<string> {
  let version: string;
  try {
    version = (await kv.get(versionKey(ownerId))) ?? '0';
  } catch {
    // Without the version no signature can be made or checked; guessing '0' would refuse (or, after a
    // rotation, accept) the wrong URLs. A KV outage is retryable, so the caller gets a 503, never a 500.
    throw new AppError(
      503,
      'SERVICE_UNAVAILABLE',
      'Signed URLs are unavailable: the key store (KV) failed',
      undefined,
      {
        'Retry-After': '5',
        'Cache-Control': 'no-store',
      },
    );
  }
  return hmacSha256Hex(serverSecret, `cdn-signing:${ownerId}:${version}`);
}

export async function rotateSigningSecret(kv: KVNamespace, ownerId: string): Promise<number> {
  const next = Number((await kv.get(versionKey(ownerId))) ?? '0') + 1;
  await kv.put(versionKey(ownerId), String(next));
  return next;
}

const message = (path: string, query: string, expires: number) => `${path}\n${query}\n${expires}`;

export interface SigningInput {
  kv: KVNamespace;
  serverSecret: string;
  ownerId: string;
  /** The canonical `/cdn/...` path (`canonicalCdnPath`), whatever host the URL is served on. */
  path: string;
  query: Iterable<[string, string]>;
}

export async function signCdnPath(input: SigningInput & { expires: number }): Promise<string> {
  const secret = await ownerSecret(input.kv, input.serverSecret, input.ownerId);
  return hmacSha256Hex(secret, message(input.path, canonicalCdnQuery(input.query), input.expires));
}

export type SignatureCheck = 'valid' | 'missing' | 'expired' | 'invalid';

export async function verifyCdnSignature(
  input: SigningInput & { sig: string | undefined; exp: string | undefined; now: number },
): Promise<SignatureCheck> {
  if (!input.sig || !input.exp) return 'missing';
  if (!/^\d{1,12}$/.test(input.exp)) return 'invalid';
  const expires = Number(input.exp);
  const expected = await signCdnPath({ ...input, expires });
  if (!timingSafeEqual(expected, input.sig.toLowerCase())) return 'invalid';
  return expires * 1000 < input.now ? 'expired' : 'valid';
}
