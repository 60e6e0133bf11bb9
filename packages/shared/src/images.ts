import {
  ALLOWED_IMAGE_TYPES,
  COLOR_NAMES,
  INGEST_MEMORY_LIMIT_BYTES,
  MB,
  UPLOAD_LIMITS,
  VARIANT_PRESETS,
  type VariantPreset,
} from '@pixelflare/config';
import { z } from 'zod';
import { CursorPaginationQuery, IsoDateTime, QueryBoolean } from './common';

/** Album slugs: the album segment of public URLs. */
export const AlbumSlug = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/, 'lower-case letters, digits and inner hyphens')
  .meta({ example: 'holidays' });

export const TagName = z
  .string()
  .trim()
  .toLowerCase()
  .min(1)
  .max(UPLOAD_LIMITS.maxTagLength)
  .regex(/^[^,#/\\]+$/, 'no commas, #, or slashes');

export const ImageTextFields = z.object({
  title: z.string().max(UPLOAD_LIMITS.maxTitleLength).nullable().optional(),
  alt: z.string().max(UPLOAD_LIMITS.maxAltLength).nullable().optional(),
  description: z.string().max(UPLOAD_LIMITS.maxDescriptionLength).nullable().optional(),
});

/** Tags as sent in JSON (array) or form fields (comma-separated). */
const TagList = z
  .union([z.array(TagName), z.string().transform((value) => value.split(',').filter((t) => t.trim()))])
  .pipe(z.array(TagName).max(UPLOAD_LIMITS.maxTags))
  .transform((tags) => [...new Set(tags)])
  .meta({ description: `Up to ${UPLOAD_LIMITS.maxTags} tags (array, or comma-separated in forms)` });

const FormBoolean = z
  .union([z.boolean(), z.enum(['true', 'false', '1', '0', 'on'])])
  .transform((value) => value === true || value === 'true' || value === '1' || value === 'on');

/** Metadata accepted by every upload path. */
export const UploadMetadataSchema = ImageTextFields.extend({
  filename: z.string().max(UPLOAD_LIMITS.maxFilenameLength).optional(),
  album: AlbumSlug.optional().meta({ description: 'Album slug; the album must exist. Default: no album' }),
  tags: TagList.optional(),
  is_private: FormBoolean.optional(),
  encrypt: FormBoolean.optional().meta({
    description:
      "Encrypt the image at rest (the account must have encryption on). Default: the account's encryption default",
  }),
}).meta({ id: 'UploadMetadata' });
export type UploadMetadata = z.infer<typeof UploadMetadataSchema>;

export const ExifSummarySchema = z
  .object({
    kept: z.array(z.string()),
    stripped: z.array(z.string()),
    camera: z.string().optional(),
    takenAt: z.string().optional(),
  })
  .meta({ id: 'ExifSummary', description: 'What ingest kept and removed from the original metadata' });

export const ImageAccess = z.enum(['public', 'signed']).meta({
  description:
    'How the CDN serves the image. public: its URLs work for anyone; signed: only signed URLs work (the image is ' +
    'private, or its album is), its plain URLs answer 403',
});

const previewUrl = (preset: keyof typeof VARIANT_PRESETS) => {
  const { width, height }: VariantPreset = VARIANT_PRESETS[preset];
  const box = height ? `${width}×${height}, cropped to fill` : `${width} px wide`;
  return z.string().meta({ description: `The ${preset} preset (${box})` });
};

/**
 * Ready-to-show URLs of the presets the dashboard's lists show (thumbnails and the overview's tiles), which every
 * deployment enables (`REQUIRED_VARIANTS`).
 */
export const ImagePreviewsSchema = z
  .object({
    thumb: previewUrl('thumb'),
    w256: previewUrl('w256'),
    expires_at: IsoDateTime.nullable().meta({
      description: 'When the signed URLs stop working; null when they are plain URLs (access is public)',
    }),
  })
  .meta({
    id: 'ImagePreviews',
    description:
      'URLs that load in an <img> for the image’s owner whatever its access: plain when access is public, signed ' +
      'when it is signed (the same URLs for an hour, each valid for one to two hours: read the image again for ' +
      'fresh ones)',
  });
export type ImagePreviews = z.infer<typeof ImagePreviewsSchema>;

/** Why an encrypted image has no plain CDN URLs (its resource's `urls`, its presets' `url`). */
export const NO_PLAIN_URLS =
  'Null when the image is encrypted: its public URLs answer 404 (as if it did not exist), so it is shared ' +
  'through expiring token links only (POST /v1/images/{id}/access-token)';

export const ImagePlaceholderSchema = z
  .object({
    thumbhash: z.string().meta({
      description:
        'ThumbHash of the picture (base64, about 25 bytes): decode it to a blurred preview (thumbhash.js thumbHashToDataURL)',
      example: '1QcSHQRnh493V4dIh4eXh1h4kJUI',
    }),
    dominant_color: z
      .string()
      .regex(/^#[0-9a-f]{6}$/)
      .nullable()
      .meta({
        description: 'The colour most of the picture has, #rrggbb; null when it is all transparent',
        example: '#3a6ea5',
      }),
  })
  .meta({
    id: 'ImagePlaceholder',
    description: 'What to show while the image loads, worked out once after upload (no AI needed)',
  });
export type ImagePlaceholder = z.infer<typeof ImagePlaceholderSchema>;

export const ColorNameSchema = z.enum(COLOR_NAMES);

/** The moderation flag, as the image resource and its update describe it. */
const NSFW_DESCRIPTION =
  'Marked sensitive: kept off your public pages until you clear it; analysis sets it at a high ' +
  'moderation score and never clears it';

export const ImageSchema = z
  .object({
    id: z.string().meta({ example: 'img_0mhx1k2a3b4c5d6e7f8g9h0i' }),
    short_id: z.string().meta({ example: 'k7d2qx' }),
    filename: z.string(),
    album: z.string().nullable().meta({ description: 'Album slug, or null when in no album' }),
    content_type: z.enum(ALLOWED_IMAGE_TYPES),
    bytes: z.number().int(),
    width: z.number().int(),
    height: z.number().int(),
    is_animated: z.boolean(),
    is_private: z.boolean().meta({
      description:
        'The image’s own flag. Whether the CDN needs a signature also depends on its album: see access',
    }),
    access: ImageAccess,
    is_encrypted: z.boolean().meta({
      description:
        'Encrypted at rest: never served on its public URLs (404); shown through access tokens only (POST /v1/images/{id}/access-token)',
    }),
    nsfw: z.boolean().meta({
      description: NSFW_DESCRIPTION,
    }),
    title: z.string().nullable(),
    alt: z.string().nullable(),
    description: z.string().nullable(),
    tags: z.array(z.string()),
    favourite: z.boolean(),
    status: z.enum(['pending', 'ready', 'failed']),
    content_hash: z.string().nullable(),
    exif: ExifSummarySchema.nullable(),
    urls: z
      .object({
        cdn: z
          .string()
          .nullable()
          .meta({
            description: `Public path URL /cdn/{owner}/{album}/{filename}. ${NO_PLAIN_URLS}`,
          }),
        short: z
          .string()
          .nullable()
          .meta({ description: `Short URL /cdn/i/{short_id}. ${NO_PLAIN_URLS}` }),
      })
      .meta({ description: 'The image’s CDN URLs; both null for an encrypted image' }),
    previews: ImagePreviewsSchema.nullable().meta({
      description:
        'Null for an encrypted image: the CDN would answer 404; its token previews come from ' +
        'POST /v1/encryption/preview-tokens',
    }),
    placeholder: ImagePlaceholderSchema.nullable().meta({
      description:
        'null until analysis has run (seconds after upload), and for SVG and encrypted images, which get none',
    }),
    created_at: IsoDateTime,
    updated_at: IsoDateTime,
    deleted_at: IsoDateTime.nullable(),
  })
  .meta({ id: 'Image' });
export type ImageResource = z.infer<typeof ImageSchema>;

export const UploadedImageSchema = ImageSchema.extend({
  duplicate: z.boolean().meta({
    description: 'True when the same bytes were already uploaded by you: the existing image is returned',
  }),
}).meta({ id: 'UploadedImage' });

export const UploadQuerySchema = z.object({
  allow_duplicate: QueryBoolean.optional().meta({ description: 'Store a second copy of identical bytes' }),
});

export const ImageSort = z.enum(['newest', 'oldest', 'name', 'size']);

export const ImageListQuerySchema = CursorPaginationQuery.extend({
  album: AlbumSlug.optional(),
  tag: TagName.optional(),
  favourite: QueryBoolean.optional(),
  q: z.string().trim().min(1).max(200).optional().meta({ description: 'Full-text search' }),
  content_type: z.enum(ALLOWED_IMAGE_TYPES).optional(),
  from: IsoDateTime.optional().meta({ description: 'Created at or after' }),
  to: IsoDateTime.optional().meta({ description: 'Created before' }),
  color: ColorNameSchema.optional().meta({
    description:
      'Images that show enough of this colour (their dominant colour, or at least 15 % of the picture)',
  }),
  sort: ImageSort.default('newest'),
});
export type ImageListQuery = z.infer<typeof ImageListQuerySchema>;

export const ImageUpdateSchema = ImageTextFields.extend({
  filename: z.string().min(1).max(UPLOAD_LIMITS.maxFilenameLength).optional(),
  album: AlbumSlug.nullable().optional().meta({ description: 'Move to this album (null: no album)' }),
  tags: z.array(TagName).max(UPLOAD_LIMITS.maxTags).optional(),
  is_private: z.boolean().optional(),
  nsfw: z
    .boolean()
    .optional()
    .meta({ description: `${NSFW_DESCRIPTION}. Set or clear it here` }),
}).meta({ id: 'ImageUpdate' });
export type ImageUpdate = z.infer<typeof ImageUpdateSchema>;

export const ImageIdParam = z.object({
  id: z.string().min(1).max(64).meta({ description: 'Image id or short id' }),
});

export const DeleteImageQuerySchema = z.object({
  permanent: QueryBoolean.optional().meta({
    description: 'Delete the original, its variants and the row now instead of moving to trash',
  }),
});

export const TwoStepUploadSchema = z
  .object({
    id: z.string(),
    upload_url: z.string().meta({
      description: `PUT the bytes here once, within 15 minutes: at most ${UPLOAD_LIMITS.maxTwoStepBytes / MB} MB, with a Content-Length above ${INGEST_MEMORY_LIMIT_BYTES / MB} MB`,
    }),
    expires_at: IsoDateTime,
  })
  .meta({ id: 'TwoStepUpload' });

const UsageLine = z.object({
  used: z.number().int(),
  limit: z.number().int().nullable().meta({ description: 'null: the plan has no such limit' }),
});
export const UsageSchema = z
  .object({
    plan: z.string(),
    enforced: z.boolean().meta({ description: 'Whether limits are enforced (USAGE_LIMITS_ENABLED)' }),
    images: UsageLine,
    bytes: UsageLine.meta({ description: 'Bytes of originals (what the storage limit counts)' }),
    period: z
      .object({ start: z.string(), end: z.string() })
      .meta({ description: 'The current period, a calendar month (UTC): `YYYY-MM-DD`, end exclusive' }),
    storage: z
      .object({ originals: z.number().int(), renditions: z.number().int() })
      .meta({ description: 'Bytes stored now: originals, and renditions kept in R2 (metered, not limited)' }),
    bandwidth: UsageLine.extend({
      over: z.boolean().meta({ description: "Whether the period's CDN bytes reached the plan's limit" }),
      policy: z.enum(['flag', 'block']).meta({
        description: 'Over the limit: `flag` keeps serving, `block` answers CDN requests 429 (when enforced)',
      }),
    }).meta({ description: 'CDN response bytes served in the period' }),
    transforms: z.number().int().meta({ description: 'Renditions computed in the period' }),
    requests: z.number().int().meta({ description: 'CDN answers in the period' }),
    rate_limit_multiplier: z.number().meta({ description: "The plan's multiplier of the API rate limits" }),
  })
  .meta({ id: 'Usage' });

export const BulkImageActionSchema = z
  .discriminatedUnion('action', [
    z.object({
      action: z.literal('move'),
      ids: z.array(z.string().max(64)).min(1).max(100),
      album: AlbumSlug.nullable(),
    }),
    z.object({
      action: z.literal('tag'),
      ids: z.array(z.string().max(64)).min(1).max(100),
      tags: z.array(TagName).min(1).max(UPLOAD_LIMITS.maxTags),
    }),
    z.object({ action: z.literal('delete'), ids: z.array(z.string().max(64)).min(1).max(100) }),
  ])
  .meta({
    id: 'BulkImageAction',
    description: 'Move, tag (adds tags) or delete (to trash) up to 100 images',
  });
export type BulkImageAction = z.infer<typeof BulkImageActionSchema>;

export const BulkImageResultSchema = z
  .object({
    updated: z.array(z.string()),
    not_found: z
      .array(z.string())
      .meta({ description: 'Ids that are not yours or do not exist; nothing was done to them' }),
  })
  .meta({ id: 'BulkImageResult' });
