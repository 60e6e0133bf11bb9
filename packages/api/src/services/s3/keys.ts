import { AlbumSlug } from '@pixelflare/shared';
import { S3Error } from './xml';

/** An object key as Pixelflare stores it: `{album}/{filename}`, or `{filename}` in the default album. */
export interface ObjectAddress {
  /** `default` for a key without a folder. */
  albumSlug: string;
  filename: string;
}

const DEFAULT_ALBUM = 'default';
/** S3's own limit on a key (bytes of UTF-8). */
const MAX_KEY_BYTES = 1024;

/** The key an image is listed and read under. */
export const keyOf = (image: ObjectAddress) =>
  image.albumSlug === DEFAULT_ALBUM ? image.filename : `${image.albumSlug}/${image.filename}`;

/**
 * Reads `{album}/{filename}` or `{filename}`: one folder at most (albums do not nest), the folder a valid album
 * slug (lower-case letters, digits, inner hyphens). `default/x.jpg` names the default album like `x.jpg`.
 */
export function parseObjectKey(key: string): ObjectAddress {
  if (!key) throw new S3Error(400, 'InvalidArgument', 'An object key is required');
  if (new TextEncoder().encode(key).length > MAX_KEY_BYTES) {
    throw new S3Error(400, 'KeyTooLongError', 'Your key is too long');
  }
  const parts = key.split('/');
  if (parts.length > 2 || parts.some((part) => part === '')) {
    throw new S3Error(
      400,
      'InvalidArgument',
      'Keys are "{album}/{filename}" or "{filename}": albums do not nest, so a key has at most one "/"',
    );
  }
  if (parts.length === 1) return { albumSlug: DEFAULT_ALBUM, filename: parts[0]! };
  const [albumSlug, filename] = parts as [string, string];
  if (!AlbumSlug.safeParse(albumSlug).success || albumSlug === 'i') {
    throw new S3Error(
      400,
      'InvalidArgument',
      `The folder "${albumSlug}" is not an album slug: use lower-case letters, digits and inner hyphens`,
    );
  }
  return { albumSlug, filename };
}

/** S3's `encoding-type=url`: keys percent-encoded (space as `+`), `/` left as it is. */
export const urlEncodeKey = (key: string) =>
  encodeURIComponent(key).replaceAll('%2F', '/').replaceAll('%20', '+');
