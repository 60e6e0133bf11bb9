/** Storage name of a variant's format. */
export const VARIANT_EXTENSIONS = {
  avif: 'avif',
  webp: 'webp',
  jpeg: 'jpg',
  png: 'png',
  gif: 'gif',
} as const;

/**
 * R2 key of a variant, in its original's folder (`{ownerId}/{album}/{imageId}/{variantKey}.{ext}`), so that
 * deleting an image's folder removes its variants too.
 */
export function variantStorageKey(
  originalKey: string,
  variantKey: string,
  format: keyof typeof VARIANT_EXTENSIONS,
): string {
  return `${originalKey.slice(0, originalKey.lastIndexOf('/') + 1)}${variantKey}.${VARIANT_EXTENSIONS[format]}`;
}
