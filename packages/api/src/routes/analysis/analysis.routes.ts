import { createRoute } from '@hono/zod-openapi';
import { AnalysisBackfillSchema, ImageAnalysisSchema, ImageIdParam } from '@pixelflare/shared';
import { requireScope } from '../../middleware/auth';
import {
  errorResponse as error,
  jsonResponse as json,
  AUTHED_ERRORS as common,
  BEARER_SECURITY as security,
} from '../../lib/openapi';

export const getAnalysisRoute = createRoute({
  method: 'get',
  path: '/images/{id}/analysis',
  operationId: 'getImageAnalysis',
  tags: ['Images'],
  summary: 'What analysis found in an image (colours, labels, faces, text, caption), each with its model',
  security,
  middleware: [requireScope('images:read')] as const,
  request: { params: ImageIdParam },
  responses: { 200: json(ImageAnalysisSchema, 'The analysis'), ...common, 404: error('No such image') },
});

export const analyzeImageRoute = createRoute({
  method: 'post',
  path: '/images/{id}/analyze',
  operationId: 'analyzeImage',
  tags: ['Images'],
  summary: 'Analyse an image again',
  description:
    'Queues the analysis (colours and placeholder, then the AI engine’s results) and answers at once with what is ' +
    'stored now; read GET /v1/images/{id}/analysis for the new results. The same original gives the same results.',
  security,
  middleware: [requireScope('images:write')] as const,
  request: { params: ImageIdParam },
  responses: {
    202: json(ImageAnalysisSchema, 'Queued; the analysis as stored until it has run'),
    ...common,
    404: error('No such image'),
    422: error('Encrypted and SVG images are not analysed'),
    503: error('The analysis could not be queued'),
  },
});

export const backfillAnalysisRoute = createRoute({
  method: 'post',
  path: '/analysis/backfill',
  operationId: 'backfillAnalysis',
  tags: ['Images'],
  summary: 'Analyse your existing images that analysis has not served yet',
  description:
    'Queues a backfill: your images are looked at in pages of 50, and each one never analysed, failed, or without ' +
    'an embedding in this engine’s index gets its analysis queued. Safe to ask again: done images are left alone.',
  security,
  middleware: [requireScope('images:write')] as const,
  responses: {
    202: json(AnalysisBackfillSchema, 'Queued'),
    ...common,
    503: error('The backfill could not be queued'),
  },
});
