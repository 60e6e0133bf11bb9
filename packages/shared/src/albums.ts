import { z } from 'zod';
import { CursorPaginationQuery, IsoDateTime, QueryBoolean } from './common';
import { AlbumSlug } from './images';

export const AlbumVisibility = z.enum(['public', 'unlisted', 'private']).meta({
  description:
    'public: images served to anyone with the URL, and the album listed on the public profile; unlisted: served ' +
    'to anyone with the URL, never listed; private: signed URLs only',
});

export type AlbumVisibility = z.infer<typeof AlbumVisibility>;

export const AlbumCoverSchema = z
  .object({
    id: z.string(),
    thumb_url: z
      .string()
      .nullable()
      .meta({
        description:
          'The cover’s thumb preset (128×128). When the CDN serves the cover only signed (it is private, or its ' +
          'album is), a signed URL that stays the same for an hour and is valid for one to two hours: read the ' +
          'album again for a fresh one. Null when the cover is encrypted: its token thumbnail comes from ' +
          'POST /v1/encryption/preview-tokens',
      }),
    expires_at: IsoDateTime.nullable().meta({
      description: 'When a signed thumb_url stops working; null if unsigned',
    }),
  })
  .meta({ id: 'AlbumCover' });

const ForcedTransform = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'must name one of your transforms')
  .meta({
    description:
      'A named transform that sets a watermark, applied over every public rendition of the album’s images (the ' +
      'plain original URL included); signed URLs skip it. Null: none',
    example: 'proof',
  });

export const AlbumSchema = z
  .object({
    id: z.string(),
    slug: AlbumSlug,
    title: z.string(),
    description: z.string().nullable(),
    visibility: AlbumVisibility,
    cover_image_id: z
      .string()
      .nullable()
      .meta({ description: 'The cover image’s id, as set (kept for compatibility)' }),
    cover: AlbumCoverSchema.nullable().meta({
      description: 'The cover with its thumbnail URL; null when none is set or the image is in the trash',
    }),
    image_count: z.number().int(),
    forced_transform: ForcedTransform.nullable(),
    created_at: IsoDateTime,
    updated_at: IsoDateTime,
  })
  .meta({ id: 'Album' });
export type AlbumResource = z.infer<typeof AlbumSchema>;

export const AlbumCreateSchema = z
  .object({
    slug: AlbumSlug.refine((slug) => slug !== 'default' && slug !== 'i', 'this slug is reserved'),
    title: z.string().trim().min(1).max(200),
    description: z.string().max(5000).nullable().optional(),
    visibility: AlbumVisibility.default('public'),
    cover_image_id: z.string().max(64).nullable().optional(),
    forced_transform: ForcedTransform.nullable().optional(),
  })
  .meta({ id: 'AlbumCreate' });
export type AlbumCreate = z.infer<typeof AlbumCreateSchema>;

export const AlbumUpdateSchema = z
  .object({
    title: z.string().trim().min(1).max(200).optional(),
    description: z.string().max(5000).nullable().optional(),
    visibility: AlbumVisibility.optional(),
    cover_image_id: z.string().max(64).nullable().optional(),
    forced_transform: ForcedTransform.nullable().optional(),
  })
  .meta({ id: 'AlbumUpdate' });
export type AlbumUpdate = z.infer<typeof AlbumUpdateSchema>;

export const AlbumParam = z.object({
  album: z.string().min(1).max(64).meta({ description: 'Album slug or id' }),
});

export const AlbumListQuerySchema = CursorPaginationQuery;

export const DeleteAlbumQuerySchema = z.object({
  delete_images: QueryBoolean.optional().meta({
    description:
      'Move the album’s images to the trash too; without it a non-empty album is not deleted (409)',
  }),
});
