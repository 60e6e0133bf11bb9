import { z } from 'zod';
import { IsoDateTime } from './common';
import { WATERMARK_NAME } from './transforms';

const WatermarkName = z
  .string()
  .regex(WATERMARK_NAME, 'a-z, 0-9, _ and -, up to 64 characters')
  .meta({ description: 'The name CDN URLs use: `?wm=name`', example: 'logo' });

export const WatermarkSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    image_id: z.string().meta({ description: 'The image drawn as the watermark (one of yours)' }),
    version: z.string().meta({
      description:
        'New on every mark and replacement; part of each watermarked variant’s key, so replacing the image never serves renditions drawn with the old one',
    }),
    created_at: IsoDateTime,
    updated_at: IsoDateTime,
  })
  .meta({ id: 'Watermark' });
export type WatermarkResource = z.infer<typeof WatermarkSchema>;

export const WatermarkCreateSchema = z
  .object({ name: WatermarkName, image_id: z.string().min(1).max(64) })
  .meta({ id: 'WatermarkCreate' });
export type WatermarkCreate = z.infer<typeof WatermarkCreateSchema>;

export const WatermarkUpdateSchema = z
  .object({
    image_id: z
      .string()
      .min(1)
      .max(64)
      .meta({ description: 'Another of your images to draw under this name' }),
  })
  .meta({ id: 'WatermarkUpdate' });
export type WatermarkUpdate = z.infer<typeof WatermarkUpdateSchema>;

export const WatermarkListSchema = z.object({ data: z.array(WatermarkSchema) }).meta({ id: 'WatermarkList' });

export const WatermarkParam = z.object({ name: z.string().min(1).max(64) });
