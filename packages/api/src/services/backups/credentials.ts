import { derivedAesKey } from '../../lib/crypto';
import { AppError } from '../../lib/errors';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export interface BackupCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

const VERSION = 'v1';
/** AES-256-GCM key derived from BACKUP_ENCRYPTION_KEY, for backup credentials only. */
const keyFrom = (material: string) => derivedAesKey(material, 'pixelflare backup credentials v1');

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

const fromBase64 = (text: string) => Uint8Array.from(atob(text), (ch) => ch.charCodeAt(0));

/** The key, or a 503 naming the variable: backups cannot store credentials without it. */
export function backupKeyOrThrow(material: string | undefined): string {
  if (!material) {
    throw new AppError(
      503,
      'MISCONFIGURED',
      'Backups need BACKUP_ENCRYPTION_KEY (32+ random characters) to store credentials encrypted; it is not set',
    );
  }
  return material;
}

/**
 * `v1.<iv>.<ciphertext>` (base64). The owner id is the additional data, so a blob copied onto another account's
 * row does not decrypt.
 */
export async function sealCredentials(
  material: string,
  ownerId: string,
  credentials: BackupCredentials,
): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv, additionalData: encoder.encode(ownerId) },
    await keyFrom(material),
    encoder.encode(JSON.stringify(credentials)),
  );
  return `${VERSION}.${toBase64(iv)}.${toBase64(new Uint8Array(sealed))}`;
}

export async function openCredentials(
  material: string,
  ownerId: string,
  sealed: string,
): Promise<BackupCredentials> {
  const [version, iv = '', data = ''] = sealed.split('.');
  if (version !== VERSION) throw new Error(`unknown credentials format ${version}`);
  try {
    const plain = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: fromBase64(iv), additionalData: encoder.encode(ownerId) },
      await keyFrom(material),
      fromBase64(data),
    );
    return JSON.parse(decoder.decode(plain)) as BackupCredentials;
  } catch {
    throw new AppError(
      503,
      'MISCONFIGURED',
      'The stored backup credentials do not decrypt with BACKUP_ENCRYPTION_KEY (was it changed?); save the configuration again',
    );
  }
}
