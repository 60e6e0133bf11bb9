import { createRoute, z } from '@hono/zod-openapi';
import { ErrorBodySchema, SignedUrlRequestSchema, SignedUrlSchema } from '@pixelflare/shared';
import { requireScope } from '../../middleware/auth';

const errors = (codes: number[]) =>
  Object.fromEntries(
    codes.map((code) => [
      code,
      { description: 'Error', content: { 'application/json': { schema: ErrorBodySchema } } },
    ]),
  );

export const createSignedUrl = createRoute({
  method: 'post',
  path: '/images/{id}/signed-url',
  operationId: 'createSignedUrl',
  tags: ['Images'],
  summary: 'Mint a signed CDN URL',
  description:
    'A time-limited CDN URL (`?exp=&sig=`) for one of your images, optionally for a preset or a transform. ' +
    'Private images (and images in private albums) are served only through such URLs.',
  security: [{ bearerAuth: [] }],
  middleware: [requireScope('images:read')] as const,
  request: {
    params: z.object({ id: z.string().min(1).max(64) }),
    body: { content: { 'application/json': { schema: SignedUrlRequestSchema } }, required: true },
  },
  responses: {
    201: { description: 'The signed URL', content: { 'application/json': { schema: SignedUrlSchema } } },
    ...errors([400, 401, 403, 404, 409]),
  },
});
