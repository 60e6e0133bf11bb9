import { AI_ENGINES, COLOR_NAMES } from '@pixelflare/config';
import { z } from 'zod';
import { IsoDateTime } from './common';

const Model = z.string().nullable().meta({
  description:
    'The model that produced this result: a Workers AI id (`@cf/...`), the local engine’s `local/<package>`, or null when none ran',
});
const Box = z.object({ x: z.number(), y: z.number(), width: z.number(), height: z.number() });

export const ImageAnalysisSchema = z
  .object({
    image_id: z.string(),
    status: z.enum(['pending', 'done', 'failed', 'off']).meta({
      description:
        'pending: queued or not run yet; done; failed (see error; it is retried); off: this server or your account has analysis off',
    }),
    engine: z
      .enum(AI_ENGINES.filter((engine) => engine !== 'off') as ['workers-ai', 'local'])
      .nullable()
      .meta({ description: 'The AI engine the results came from' }),
    colors: z
      .object({
        dominant: z.string().nullable(),
        palette: z.array(z.object({ color: z.string(), share: z.number() })),
        names: z.array(z.enum(COLOR_NAMES)),
      })
      .nullable()
      .meta({ description: 'Worked out for every image, without an AI engine' }),
    labels: z.object({ items: z.array(z.object({ label: z.string(), score: z.number() })), model: Model }),
    faces: z.object({
      count: z.number().int(),
      items: z
        .array(Box.extend({ score: z.number() }))
        .meta({ description: 'Boxes in fractions of the picture' }),
      model: Model,
    }),
    text: z.object({
      text: z
        .string()
        .nullable()
        .meta({ description: 'Text found in the picture (kept only when confident)' }),
      confidence: z.number().nullable(),
      model: Model,
    }),
    caption: z.object({
      text: z.string().nullable(),
      model: Model,
      composed: z.boolean().meta({
        description:
          'True when no captioning model wrote it: it was composed from the labels and the text found',
      }),
    }),
    embedding: z
      .object({
        model: Model,
        index: z.string().nullable().meta({
          description:
            'The vector index holding it, named by model and dimension (vectors of different models never share one)',
        }),
      })
      .meta({
        description: 'The text embedding of the analysis that semantic search and “more like this” use',
      }),
    moderation: z
      .object({
        score: z
          .number()
          .nullable()
          .meta({ description: 'How likely the image is explicit, 0–1; null when no model ran' }),
        model: Model,
        flagged: z.boolean().meta({
          description:
            'The image is marked nsfw (kept off public pages) for you to review; analysis sets it at a high score and never deletes anything',
        }),
      })
      .meta({ description: 'A moderation signal (the local engine has one; Workers AI has no such model)' }),
    focal_point: z
      .object({ x: z.number(), y: z.number(), source: z.enum(['faces', 'object']) })
      .nullable()
      .meta({ description: 'Where g=auto and g=face crops centre (fractions of width and height)' }),
    error: z.string().nullable(),
    analyzed_at: IsoDateTime.nullable(),
  })
  .meta({
    id: 'ImageAnalysis',
    description: 'What analysis found in an image, each result naming its model',
  });
export type ImageAnalysis = z.infer<typeof ImageAnalysisSchema>;

export const AnalysisBackfillSchema = z
  .object({
    queued: z.literal(true),
    engine: z
      .enum(AI_ENGINES)
      .meta({ description: 'The AI engine the analyses will run on (off: colours only)' }),
  })
  .meta({ id: 'AnalysisBackfill' });
