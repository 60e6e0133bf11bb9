import { ENCRYPTION_LIMITS } from '@pixelflare/config';
import { deriveKey, toBase64Url, utf8 } from '@pixelflare/shared';
import { timingSafeEqual } from '../../lib/crypto';
import type { EnvVars } from '../../lib/env';
import { rootKeyOf } from './root-key';

/**
 * Access tokens for encrypted images: `<image id>.<rendition or "-">.<tmk version>.<expiry, unix s>.<HMAC>`, the
 * HMAC-SHA256 (base64url) of "pixelflare/access-token/v1|<owner>|<image>|<rendition>|<version>|<expiry>" under a
 * key derived from the root key. The TMK version is the account's at minting: rotating revokes every token.
 */
export interface AccessTokenClaims {
  ownerId: string;
  imageId: string;
  /** A rendition name, or null for a token that opens the original and every rendition. */
  rendition: string | null;
  keyVersion: number;
  expiresAt: number;
}

const signingKeys = new Map<string, Promise<CryptoKey>>();

function signingKey(config: Pick<EnvVars, 'ENCRYPTION_ROOT_KEY'>): Promise<CryptoKey> {
  const value = config.ENCRYPTION_ROOT_KEY ?? '';
  let key = signingKeys.get(value);
  if (!key) {
    key = rootKeyOf(config).then(async (root) =>
      crypto.subtle.importKey(
        'raw',
        (await deriveKey(root.bytes, 'pixelflare/access-token/v1')) as Uint8Array<ArrayBuffer>,
        { name: 'HMAC', hash: 'SHA-256' },
        false,
        ['sign'],
      ),
    );
    key.catch(() => signingKeys.delete(value));
    signingKeys.set(value, key);
  }
  return key;
}

const messageOf = (claims: AccessTokenClaims) =>
  `pixelflare/access-token/v1|${claims.ownerId}|${claims.imageId}|${claims.rendition ?? '-'}|${claims.keyVersion}|${claims.expiresAt}`;

async function macOf(
  config: Pick<EnvVars, 'ENCRYPTION_ROOT_KEY'>,
  claims: AccessTokenClaims,
): Promise<string> {
  const mac = await crypto.subtle.sign(
    'HMAC',
    await signingKey(config),
    utf8(messageOf(claims)) as Uint8Array<ArrayBuffer>,
  );
  return toBase64Url(new Uint8Array(mac));
}

export async function mintAccessToken(
  config: Pick<EnvVars, 'ENCRYPTION_ROOT_KEY'>,
  claims: AccessTokenClaims,
): Promise<string> {
  const parts = [
    claims.imageId,
    claims.rendition ?? '-',
    String(claims.keyVersion),
    String(claims.expiresAt),
  ];
  return `${parts.join('.')}.${await macOf(config, claims)}`;
}

export type TokenCheck =
  'valid' | 'missing' | 'malformed' | 'expired' | 'invalid' | 'wrong-image' | 'wrong-rendition' | 'revoked';

/**
 * Checks a token for serving `rendition` (`original` included) of `image`. A token naming one rendition opens
 * that one only; a token without one opens all of the image's objects.
 */
export async function checkAccessToken(
  config: Pick<EnvVars, 'ENCRYPTION_ROOT_KEY'>,
  token: string | undefined,
  image: { id: string; ownerId: string; currentKeyVersion: number },
  rendition: string,
  nowSeconds: number,
): Promise<TokenCheck> {
  if (!token) return 'missing';
  const parts = token.split('.');
  if (parts.length !== 5) return 'malformed';
  const [imageId, renditionPart, versionPart, expiryPart, mac] = parts as [
    string,
    string,
    string,
    string,
    string,
  ];
  if (!/^\d+$/.test(versionPart) || !/^\d+$/.test(expiryPart)) return 'malformed';
  const claims: AccessTokenClaims = {
    ownerId: image.ownerId,
    imageId,
    rendition: renditionPart === '-' ? null : renditionPart,
    keyVersion: Number(versionPart),
    expiresAt: Number(expiryPart),
  };
  // Another image's token (even a valid one) is refused before its MAC is worked out for this owner.
  if (imageId !== image.id) return 'wrong-image';
  if (!timingSafeEqual(await macOf(config, claims), mac)) return 'invalid';
  if (claims.expiresAt <= nowSeconds) return 'expired';
  if (claims.keyVersion !== image.currentKeyVersion) return 'revoked';
  if (claims.rendition !== null && claims.rendition !== rendition) return 'wrong-rendition';
  return 'valid';
}

/** A lifetime in seconds within the documented bounds; undefined means the default. */
export function tokenLifetime(seconds: number | undefined): number {
  return seconds ?? ENCRYPTION_LIMITS.tokenDefaultSeconds;
}
