import { createRoute } from '@hono/zod-openapi';
import { ImageIdParam, ImageVariantListSchema } from '@pixelflare/shared';
import { requireScope } from '../../middleware/auth';
import { AUTHED_ERRORS, BEARER_SECURITY, errorResponse, jsonResponse } from '../../lib/openapi';

export const listImageVariantsRoute = createRoute({
  method: 'get',
  path: '/images/{id}/variants',
  operationId: 'listImageVariants',
  tags: ['Images'],
  summary: "An image's presets and the renditions stored for each",
  description:
    'Every enabled preset with its CDN URL and the formats rendered ahead of time (by the variants queue) or on a ' +
    'first request, with their status. A preset with no formats is rendered when first requested.',
  security: BEARER_SECURITY,
  middleware: [requireScope('images:read')] as const,
  request: { params: ImageIdParam },
  responses: {
    200: jsonResponse(ImageVariantListSchema, 'The presets and their renditions'),
    ...AUTHED_ERRORS,
    404: errorResponse('No such image'),
  },
});
