import { derivedAesKey, fromBase64Url, toBase64Url } from '../../lib/crypto';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A new Standard Webhooks secret: `whsec_` + base64 of 24 random bytes. */
export function generateWebhookSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  return `whsec_${btoa(String.fromCharCode(...bytes))}`;
}

/** AES-256-GCM key derived from ENCRYPTION_KEY, or AUTH_SECRET when that is unset. */
const encryptionKey = (material: string) => derivedAesKey(material, 'pixelflare webhook secret v1');

/** `<iv>.<ciphertext>`, both base64url. */
export async function encryptSecret(material: string, plaintext: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv },
    await encryptionKey(material),
    encoder.encode(plaintext),
  );
  return `${toBase64Url(iv)}.${toBase64Url(new Uint8Array(sealed))}`;
}

export async function decryptSecret(material: string, sealed: string): Promise<string> {
  const [iv = '', data = ''] = sealed.split('.');
  const plain = await crypto.subtle.decrypt(
    { name: 'AES-GCM', iv: fromBase64Url(iv) },
    await encryptionKey(material),
    fromBase64Url(data),
  );
  return decoder.decode(plain);
}
