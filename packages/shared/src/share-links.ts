import { SHARE_LINK_LIMITS, SHARE_LINK_STATES } from '@pixelflare/config';
import { z } from 'zod';
import { CursorPaginationQuery, IsoDateTime } from './common';

export const ShareLinkStateSchema = z.enum(SHARE_LINK_STATES).meta({
  id: 'ShareLinkState',
  description:
    'active: opens for visitors; expired: past expires_at; used_up: every allowed view taken; revoked: revoked by ' +
    'the owner. Only active links open; the others answer 410',
});

export const ShareLinkCreateSchema = z
  .object({
    image_id: z.string().min(1).max(64).optional().meta({ description: 'Share this image (its id)' }),
    album: z
      .string()
      .min(1)
      .max(64)
      .optional()
      .meta({ description: 'Or share this album (slug or id): its page shows the album’s grid' }),
    expires_in: z
      .number()
      .int()
      .min(SHARE_LINK_LIMITS.minExpirySeconds)
      .max(SHARE_LINK_LIMITS.maxExpirySeconds)
      .optional()
      .meta({ description: 'Seconds until the link stops opening; without it the link never expires' }),
    password: z
      .string()
      .min(SHARE_LINK_LIMITS.passwordMinLength)
      .max(SHARE_LINK_LIMITS.passwordMaxLength)
      .optional()
      .meta({ description: 'Visitors must enter it first; stored only as an Argon2id hash' }),
    max_views: z.number().int().min(1).max(SHARE_LINK_LIMITS.maxViews).optional().meta({
      description: 'How many times the page may be opened (1: a one-time link); without it, no limit',
    }),
    allow_download: z
      .boolean()
      .default(false)
      .meta({ description: 'Offer the original file for download (otherwise visitors see resized presets)' }),
  })
  .refine((body) => (body.image_id === undefined) !== (body.album === undefined), {
    message: 'give exactly one of image_id and album',
    path: ['image_id'],
  })
  .meta({ id: 'ShareLinkCreate' });
export type ShareLinkCreate = z.infer<typeof ShareLinkCreateSchema>;

export const ShareLinkSchema = z
  .object({
    id: z.string(),
    target: z.object({
      type: z.enum(['image', 'album']),
      id: z.string(),
      title: z.string().meta({ description: 'The image’s title or file name, or the album’s title' }),
    }),
    state: ShareLinkStateSchema,
    expires_at: IsoDateTime.nullable(),
    has_password: z.boolean(),
    max_views: z.number().int().nullable(),
    views: z.number().int().meta({ description: 'Times the page was opened (exact, never past max_views)' }),
    allow_download: z.boolean(),
    last_viewed_at: IsoDateTime.nullable(),
    revoked_at: IsoDateTime.nullable(),
    created_at: IsoDateTime,
  })
  .meta({ id: 'ShareLink' });
export type ShareLinkResource = z.infer<typeof ShareLinkSchema>;

export const ShareLinkCreatedSchema = ShareLinkSchema.extend({
  url: z.string().meta({
    description:
      'The link to give out (`…/s/{token}`). Shown only in this answer: the server keeps only a hash of the token',
    example: 'https://img.example.com/s/3q2-7wEjR0yM1xq8c5Vv7A0b',
  }),
}).meta({ id: 'ShareLinkCreated' });
export type ShareLinkCreated = z.infer<typeof ShareLinkCreatedSchema>;

export const ShareLinkParam = z.object({ id: z.string().min(1).max(64) });
export const ShareLinkListQuerySchema = CursorPaginationQuery;
