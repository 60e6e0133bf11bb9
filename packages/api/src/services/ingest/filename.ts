import {
  BLOCKED_FILENAME_EXTENSIONS,
  IMAGE_EXTENSIONS,
  RESERVED_FILENAMES,
  UPLOAD_LIMITS,
  type ImageContentType,
} from '@pixelflare/config';
import { AppError } from '../../lib/errors';

const blocked = new Set<string>(BLOCKED_FILENAME_EXTENSIONS);
const reserved = new Set<string>(RESERVED_FILENAMES);
const KNOWN_IMAGE_EXTENSIONS = new Set(['jpg', 'jpeg', 'jpe', 'png', 'gif', 'webp', 'avif', 'svg']);

/**
 * The stored name of an upload, safe in a URL path and an R2 key. Path traversal and control characters are
 * refused (400: the client sent something no browser would); the rest is cleaned: Unicode NFC, no leading
 * dots (hidden files), executable extensions dropped wherever they appear, unsafe characters replaced, and
 * the extension set from the sniffed type, so `invoice.pdf.exe` uploaded as PNG is stored as `invoice-pdf.png`.
 */
export function sanitizeFilename(input: string | undefined, contentType: ImageContentType): string {
  const extension = IMAGE_EXTENSIONS[contentType];
  const raw = (input ?? '').normalize('NFC').trim();
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused here
  if (/[\u0000-\u001f\u007f-\u009f]/.test(raw)) {
    throw new AppError(400, 'BAD_REQUEST', 'The filename contains control characters');
  }
  if (/[/\\]/.test(raw) || raw.split(/[/\\]/).includes('..')) {
    throw new AppError(400, 'BAD_REQUEST', 'The filename must be a plain name, without a path');
  }
  const parts = raw.replace(/^\.+/, '').split('.');
  const last = parts.length > 1 ? parts.at(-1)!.toLowerCase() : '';
  if (KNOWN_IMAGE_EXTENSIONS.has(last) || blocked.has(last)) parts.pop();
  const stem = parts
    .filter((part) => !blocked.has(part.toLowerCase()))
    .join('-')
    .replace(/[^\p{L}\p{N}_-]+/gu, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[-_]+|[-_]+$/g, '');
  // Cut by code points, not UTF-16 units: a cut through a surrogate pair would leave a lone surrogate, which
  // encodeURIComponent refuses (every URL of the image would be a 500). The limit counts UTF-16 units.
  const room = UPLOAD_LIMITS.maxFilenameLength - extension.length - 8;
  let cut = '';
  for (const character of stem) {
    if (cut.length + character.length > room) break;
    cut += character;
  }
  const trimmed = cut.replace(/[-_]+$/, '');
  const safeStem = trimmed && !reserved.has(trimmed) ? trimmed : 'image';
  return `${safeStem}.${extension}`;
}

/** Adds a suffix before the extension, for a name already taken in the album. */
export function withSuffix(filename: string, suffix: string): string {
  const dot = filename.lastIndexOf('.');
  return `${filename.slice(0, dot)}-${suffix}${filename.slice(dot)}`;
}

/**
 * `Content-Disposition: attachment` for a download of `filename`: an ASCII fallback (anything else, quotes and
 * backslashes, which would end or escape the quoted string, replaced by `_`) and the exact name as RFC 8187
 * `filename*`. Safe for any name, including rows written before the sanitiser: CR/LF and other controls never
 * reach the header, and a lone surrogate is replaced rather than making encodeURIComponent throw (a 500).
 */
export function contentDisposition(filename: string): string {
  const fallback = filename.replace(/[^\x20-\x7e]|["\\]/g, '_');
  const encoded = encodeURIComponent(filename.replace(/[\uD800-\uDFFF]/gu, '\uFFFD')).replace(
    /['()*]/g,
    (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}
