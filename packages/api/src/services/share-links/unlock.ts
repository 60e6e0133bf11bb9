import { SHARE_LINK_LIMITS } from '@pixelflare/config';
import { hmacSha256Hex, timingSafeEqual } from '../../lib/crypto';

/**
 * After the right password the visitor holds `{expires}.{hmac}`: an HMAC over the link's id and the expiry, so a
 * cookie opens only the link it was given for, only until it expires, and cannot be made without the server secret.
 */
const mac = (secret: string, linkId: string, expires: number) =>
  hmacSha256Hex(secret, `share-unlock:${linkId}:${expires}`);

export async function unlockValue(secret: string, linkId: string, now: number): Promise<string> {
  const expires = Math.floor(now / 1000) + SHARE_LINK_LIMITS.unlockSeconds;
  return `${expires}.${await mac(secret, linkId, expires)}`;
}

export async function isUnlocked(
  secret: string,
  linkId: string,
  value: string | undefined,
  now: number,
): Promise<boolean> {
  const match = value ? /^(\d{1,12})\.([0-9a-f]{64})$/.exec(value) : null;
  if (!match) return false;
  const expires = Number(match[1]);
  if (expires * 1000 <= now) return false;
  return timingSafeEqual(await mac(secret, linkId, expires), match[2]!);
}
