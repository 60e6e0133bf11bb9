/** Image types accepted at upload, recognised by their leading bytes, never by name or client header. */
export const ALLOWED_IMAGE_TYPES = [
  'image/jpeg',
  'image/png',
  'image/gif',
  'image/webp',
  'image/avif',
  'image/svg+xml',
] as const;
export type ImageContentType = (typeof ALLOWED_IMAGE_TYPES)[number];

export const IMAGE_EXTENSIONS: Record<ImageContentType, string> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/gif': 'gif',
  'image/webp': 'webp',
  'image/avif': 'avif',
  'image/svg+xml': 'svg',
};

/** How many leading bytes are read to recognise a type. */
export const CONTENT_TYPE_DETECTION_SAMPLE_SIZE = 512;

/** Signature bytes; `null` matches any byte. `offset` is where the pattern starts. */
export interface MagicSignature {
  readonly type: Exclude<ImageContentType, 'image/svg+xml'>;
  readonly offset: number;
  readonly bytes: readonly (number | null)[];
}

export const IMAGE_MAGIC_BYTES: readonly MagicSignature[] = [
  { type: 'image/jpeg', offset: 0, bytes: [0xff, 0xd8, 0xff] },
  { type: 'image/png', offset: 0, bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] },
  { type: 'image/gif', offset: 0, bytes: [0x47, 0x49, 0x46, 0x38] },
  // RIFF....WEBP
  {
    type: 'image/webp',
    offset: 0,
    bytes: [0x52, 0x49, 0x46, 0x46, null, null, null, null, 0x57, 0x45, 0x42, 0x50],
  },
  // ....ftypavif / ftypavis (ISO-BMFF brand)
  { type: 'image/avif', offset: 4, bytes: [0x66, 0x74, 0x79, 0x70, 0x61, 0x76, 0x69] },
];

export const BLOCKED_FILENAME_EXTENSIONS = [
  'exe',
  'bat',
  'cmd',
  'sh',
  'ps1',
  'scr',
  'com',
  'pif',
  'js',
  'msi',
  'dll',
  'html',
  'htm',
  'php',
] as const;
export const RESERVED_FILENAMES = ['__proto__', 'constructor', 'prototype'] as const;
