import { SESSION_TTL_SECONDS } from '@pixelflare/config';
import { toBase64Url } from '../../lib/crypto';

const encoder = new TextEncoder();
const IV_BYTES = 12;

export interface SessionPayload {
  /** User id. */
  sub: string;
  /** Only the dev sign-in (AUTH_MODE=none) issues this cookie; Auth.js keeps its own session token. */
  via: 'dev';
  /** Expiry, seconds since the epoch. */
  exp: number;
}

function fromBase64Url(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]+$/.test(text)) return null;
  const binary = atob(text.replaceAll('-', '+').replaceAll('_', '/'));
  return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}

/** A key derived from AUTH_SECRET for this purpose only, so a session key never doubles as another secret. */
async function sessionKey(authSecret: string): Promise<CryptoKey> {
  const material = await crypto.subtle.digest('SHA-256', encoder.encode(`pixelflare-session:${authSecret}`));
  return crypto.subtle.importKey('raw', material, 'AES-GCM', false, ['encrypt', 'decrypt']);
}

/** An opaque, encrypted and authenticated cookie value (AES-256-GCM): the browser can neither read nor forge it. */
export async function sealSession(
  authSecret: string,
  session: Omit<SessionPayload, 'exp'>,
  now = Date.now(),
): Promise<string> {
  const payload: SessionPayload = { ...session, exp: Math.floor(now / 1000) + SESSION_TTL_SECONDS };
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const sealed = new Uint8Array(
    await crypto.subtle.encrypt(
      { name: 'AES-GCM', iv },
      await sessionKey(authSecret),
      encoder.encode(JSON.stringify(payload)),
    ),
  );
  const out = new Uint8Array(IV_BYTES + sealed.length);
  out.set(iv);
  out.set(sealed, IV_BYTES);
  return toBase64Url(out);
}

/** The session in a cookie value, or null when it is tampered with, from another secret, or expired. */
export async function openSession(
  authSecret: string,
  value: string,
  now = Date.now(),
): Promise<SessionPayload | null> {
  const bytes = fromBase64Url(value);
  if (!bytes || bytes.length <= IV_BYTES) return null;
  try {
    const plain = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: bytes.slice(0, IV_BYTES) },
      await sessionKey(authSecret),
      bytes.slice(IV_BYTES),
    );
    const payload = JSON.parse(new TextDecoder().decode(plain)) as SessionPayload;
    return payload.exp * 1000 > now ? payload : null;
  } catch {
    return null;
  }
}
