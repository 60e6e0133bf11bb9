import { createRoute } from '@hono/zod-openapi';
import {
  ErrorBodySchema,
  WatermarkCreateSchema,
  WatermarkListSchema,
  WatermarkParam,
  WatermarkSchema,
  WatermarkUpdateSchema,
} from '@pixelflare/shared';
import { requireScope } from '../../middleware/auth';
import { jsonResponse as json } from '../../lib/openapi';

const errors = (codes: number[]) =>
  Object.fromEntries(
    codes.map((code) => [
      code,
      { description: 'Error', content: { 'application/json': { schema: ErrorBodySchema } } },
    ]),
  );
const common = { tags: ['Watermarks'], security: [{ bearerAuth: [] }] };

export const listWatermarks = createRoute({
  ...common,
  method: 'get',
  path: '/watermarks',
  operationId: 'listWatermarks',
  summary: 'List your watermarks',
  middleware: [requireScope('images:read')] as const,
  responses: { 200: json(WatermarkListSchema, 'Your watermarks, by name'), ...errors([401, 403]) },
});

export const createWatermark = createRoute({
  ...common,
  method: 'post',
  path: '/watermarks',
  operationId: 'createWatermark',
  summary: 'Mark one of your images as a watermark',
  description:
    'Names one of your images (PNG or WebP with transparency work best; not SVG, encrypted or animated) as a ' +
    'watermark, drawn over CDN answers with `?wm=name`. One name per image; names are unique per owner.',
  middleware: [requireScope('images:write')] as const,
  request: { body: { content: { 'application/json': { schema: WatermarkCreateSchema } }, required: true } },
  responses: { 201: json(WatermarkSchema, 'Marked'), ...errors([400, 401, 403, 409]) },
});

export const getWatermark = createRoute({
  ...common,
  method: 'get',
  path: '/watermarks/{name}',
  operationId: 'getWatermark',
  summary: 'Get a watermark',
  middleware: [requireScope('images:read')] as const,
  request: { params: WatermarkParam },
  responses: { 200: json(WatermarkSchema, 'The watermark'), ...errors([401, 403, 404]) },
});

export const replaceWatermark = createRoute({
  ...common,
  method: 'put',
  path: '/watermarks/{name}',
  operationId: 'replaceWatermark',
  summary: 'Draw another image under a watermark’s name',
  description:
    'Gives the watermark a new version: every rendition drawn with it gets a new variant key (the old ones are ' +
    'never served again), and albums forcing a transform that draws it have their cached answers purged.',
  middleware: [requireScope('images:write')] as const,
  request: {
    params: WatermarkParam,
    body: { content: { 'application/json': { schema: WatermarkUpdateSchema } }, required: true },
  },
  responses: { 200: json(WatermarkSchema, 'Replaced'), ...errors([400, 401, 403, 404, 409, 503]) },
});

export const deleteWatermark = createRoute({
  ...common,
  method: 'delete',
  path: '/watermarks/{name}',
  operationId: 'deleteWatermark',
  summary: 'Unmark a watermark',
  description:
    'The image stays; `?wm=name` answers 400 afterwards. Refused (409) while a named transform draws it.',
  middleware: [requireScope('images:write')] as const,
  request: { params: WatermarkParam },
  responses: { 204: { description: 'Unmarked' }, ...errors([401, 403, 404, 409]) },
});
