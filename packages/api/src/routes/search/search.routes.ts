import { createRoute } from '@hono/zod-openapi';
import {
  ImageIdParam,
  SearchQuerySchema,
  SearchResultSchema,
  SimilarImagesSchema,
  SimilarQuerySchema,
} from '@pixelflare/shared';
import { requireScope } from '../../middleware/auth';
import {
  errorResponse as error,
  jsonResponse as json,
  AUTHED_ERRORS as common,
  BEARER_SECURITY as security,
} from '../../lib/openapi';

export const searchRoute = createRoute({
  method: 'get',
  path: '/search',
  operationId: 'searchImages',
  tags: ['Images'],
  summary: 'Search your images by words and by meaning',
  description:
    'Hybrid ranking: full-text search (filenames, titles, alt text, descriptions, tags, labels, captions and the ' +
    'text found in images) and, with an AI engine, the similarity of the query’s text embedding to each image’s, ' +
    'merged by reciprocal rank fusion. Without an AI engine (or while it is down) the answer is lexical and ' +
    '`mode` says so. Each hit says which ranking found it.',
  security,
  middleware: [requireScope('images:read')] as const,
  request: { query: SearchQuerySchema },
  responses: { 200: json(SearchResultSchema, 'The best matches, best first'), ...common },
});

export const similarImagesRoute = createRoute({
  method: 'get',
  path: '/images/{id}/similar',
  operationId: 'similarImages',
  tags: ['Images'],
  summary: 'More like this: your images nearest to this one by meaning',
  description:
    'The nearest neighbours of the image’s text embedding (of its caption, labels, text found, title, alt text and ' +
    'tags) among your images. `available` is false when it has none in this engine’s index.',
  security,
  middleware: [requireScope('images:read')] as const,
  request: { params: ImageIdParam, query: SimilarQuerySchema },
  responses: {
    200: json(SimilarImagesSchema, 'The nearest images, nearest first'),
    ...common,
    404: error('No such image'),
  },
});
