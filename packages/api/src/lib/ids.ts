import { SHORT_ID_ALPHABET, SHORT_ID_LENGTH } from '@pixelflare/config';

const ID_ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

/** Random string from `alphabet` without modulo bias. */
export function randomString(length: number, alphabet: string): string {
  const out: string[] = [];
  const limit = 256 - (256 % alphabet.length);
  while (out.length < length) {
    const bytes = crypto.getRandomValues(new Uint8Array(length * 2));
    for (const byte of bytes) {
      if (byte < limit) out.push(alphabet[byte % alphabet.length] as string);
      if (out.length === length) break;
    }
  }
  return out.join('');
}

/**
 * Time-ordered ids (`img_<time><random>`): a sortable millisecond prefix keeps inserts at the end of indexes
 * and lets cursors compare ids when timestamps tie.
 */
export function newId(prefix: string, now = Date.now()): string {
  return `${prefix}_${now.toString(36).padStart(9, '0')}${randomString(12, ID_ALPHABET)}`;
}

export function newShortId(): string {
  return randomString(SHORT_ID_LENGTH, SHORT_ID_ALPHABET);
}
