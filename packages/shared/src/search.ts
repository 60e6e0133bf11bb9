import { AI_ENGINES, ALLOWED_IMAGE_TYPES, SEARCH } from '@pixelflare/config';
import { z } from 'zod';
import { IsoDateTime, QueryBoolean } from './common';
import { AlbumSlug, ColorNameSchema, ImageSchema, TagName } from './images';

const EngineName = z
  .enum(AI_ENGINES.filter((engine) => engine !== 'off') as ['workers-ai', 'local'])
  .nullable();

export const SearchQuerySchema = z.object({
  q: z.string().trim().min(1).max(200).meta({ description: 'What to look for: words, or a description' }),
  album: AlbumSlug.optional(),
  tag: TagName.optional(),
  color: ColorNameSchema.optional(),
  content_type: z.enum(ALLOWED_IMAGE_TYPES).optional(),
  from: IsoDateTime.optional().meta({ description: 'Created at or after' }),
  to: IsoDateTime.optional().meta({ description: 'Created before' }),
  has_faces: QueryBoolean.optional().meta({ description: 'Only images analysis found faces in (or none)' }),
  has_text: QueryBoolean.optional().meta({ description: 'Only images with text found in them (or without)' }),
  limit: z.coerce.number().int().min(1).max(SEARCH.maxLimit).default(SEARCH.defaultLimit),
});
export type SearchQuery = z.infer<typeof SearchQuerySchema>;

const Rank = z.number().int().nullable();

export const SearchHitSchema = ImageSchema.extend({
  search: z
    .object({
      score: z
        .number()
        .meta({ description: 'Reciprocal rank fusion score: the sum of 1 / (60 + rank) over both lists' }),
      lexical_rank: Rank.meta({
        description: 'Its place in the full-text (FTS5, bm25) ranking; null: not there',
      }),
      semantic_rank: Rank.meta({ description: 'Its place by embedding similarity; null: not there' }),
      similarity: z
        .number()
        .nullable()
        .meta({ description: 'Cosine similarity of its embedding to the query’s' }),
    })
    .meta({ description: 'Why it was found' }),
}).meta({ id: 'SearchHit' });
export type SearchHit = z.infer<typeof SearchHitSchema>;

const EngineFields = {
  engine: EngineName.meta({
    description: 'The AI engine that embedded the query; null: lexical search only',
  }),
  embedding_model: z.string().nullable().meta({ description: 'The model of the query’s embedding' }),
  index: z
    .string()
    .nullable()
    .meta({ description: 'The vector index searched (named by model and dimension)' }),
};

export const SearchResultSchema = z
  .object({
    data: z.array(SearchHitSchema),
    mode: z.enum(['hybrid', 'lexical']).meta({
      description:
        'hybrid: full-text and embedding similarity merged by reciprocal rank fusion; lexical: full-text only (no AI engine)',
    }),
    ...EngineFields,
  })
  .meta({ id: 'SearchResult' });
export type SearchResult = z.infer<typeof SearchResultSchema>;

export const SimilarQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(SEARCH.maxLimit).default(SEARCH.similarLimit),
});

export const SimilarImagesSchema = z
  .object({
    data: z.array(
      ImageSchema.extend({
        similarity: z.number().meta({ description: 'Cosine similarity of the embeddings' }),
      }),
    ),
    available: z.boolean().meta({
      description:
        'false when the image has no embedding in this engine’s index (not analysed, or analysis off)',
    }),
    ...EngineFields,
  })
  .meta({ id: 'SimilarImages' });
export type SimilarImages = z.infer<typeof SimilarImagesSchema>;
