import { VARIANT_NAMES } from '@pixelflare/config';
import { z } from 'zod';
import { NO_PLAIN_URLS } from './images';

export const VariantFormatStatusSchema = z
  .object({
    format: z.string().meta({ example: 'webp' }),
    status: z.enum(['pending', 'ready', 'failed']),
    bytes: z.number().int().nullable(),
    width: z.number().int().nullable(),
    height: z.number().int().nullable(),
    engine: z.string().nullable().meta({ description: 'Which engine rendered it' }),
    error: z.string().nullable().meta({ description: 'Why rendering failed, when it did' }),
  })
  .meta({ id: 'VariantFormatStatus' });

export const ImageVariantSchema = z
  .object({
    preset: z.enum(VARIANT_NAMES as [string, ...string[]]),
    width: z.number().int().nullable().meta({ description: "The preset's box; the image is never enlarged" }),
    height: z.number().int().nullable(),
    fit: z.enum(['scale-down', 'cover']),
    url: z
      .string()
      .nullable()
      .meta({
        description: `CDN URL of this preset (the format is negotiated per request). ${NO_PLAIN_URLS}`,
      }),
    formats: z.array(VariantFormatStatusSchema).meta({
      description: 'Stored renditions. Empty: not rendered yet; the CDN renders it on the first request',
    }),
  })
  .meta({ id: 'ImageVariant' });
export type ImageVariant = z.infer<typeof ImageVariantSchema>;

export const ImageVariantListSchema = z.object({ data: z.array(ImageVariantSchema) }).meta({
  id: 'ImageVariantList',
  description: 'The enabled presets of one image and their stored renditions',
});
