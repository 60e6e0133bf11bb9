import { createRoute, z } from '@hono/zod-openapi';
import { UploadMetadataSchema, UploadQuerySchema, UploadedImageSchema } from '@pixelflare/shared';
import { MB, TURNSTILE_ACTIONS, UPLOAD_LIMITS } from '@pixelflare/config';
import { BEARER_SECURITY, jsonResponse as json } from '../../lib/openapi';
import { requireScope } from '../../middleware/auth';
import { requireTurnstile } from '../../middleware/turnstile';
import { REMOTE_FETCH_LIMITS } from '../../services/uploads/from-url';
import { uploadErrors } from './one-shot.routes';

export const UploadFromUrlSchema = UploadMetadataSchema.extend({
  url: z
    .string()
    .max(2048)
    .meta({ description: 'http or https URL of the image', example: 'https://example.org/a.jpg' }),
}).meta({ id: 'UploadFromUrl' });

export const uploadFromUrl = createRoute({
  method: 'post',
  path: '/upload/from-url',
  operationId: 'uploadImageFromUrl',
  tags: ['Images'],
  summary: 'Upload an image the Worker fetches from a URL',
  description: `The Worker fetches \`url\` and ingests it like any upload (the same metadata fields; the filename defaults to the URL's last segment). Only http and https to public addresses, with the same rules as webhooks (a name resolving to a private address is refused too); at most ${REMOTE_FETCH_LIMITS.maxRedirects} redirects, each checked the same way; at most ${UPLOAD_LIMITS.maxOneShotBytes / MB} MB, counted while reading (413); ${REMOTE_FETCH_LIMITS.timeoutMs / 1000} s for the whole fetch. A URL that cannot be fetched, answers an error, redirects too often or too slowly is 400.`,
  security: BEARER_SECURITY,
  middleware: [requireScope('images:write'), requireTurnstile(TURNSTILE_ACTIONS.upload)] as const,
  request: {
    query: UploadQuerySchema,
    body: { required: true, content: { 'application/json': { schema: UploadFromUrlSchema } } },
  },
  responses: {
    201: json(UploadedImageSchema, 'Fetched and stored'),
    200: json(UploadedImageSchema, 'Duplicate of an existing image'),
    ...uploadErrors,
  },
});
