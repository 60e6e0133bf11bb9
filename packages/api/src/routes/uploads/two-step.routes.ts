import { createRoute, z } from '@hono/zod-openapi';
import {
  ErrorBodySchema,
  TwoStepUploadSchema,
  UploadMetadataSchema,
  UploadedImageSchema,
} from '@pixelflare/shared';
import { INGEST_MEMORY_LIMIT_BYTES, MB, TURNSTILE_ACTIONS, UPLOAD_LIMITS } from '@pixelflare/config';
import { createMiddleware } from 'hono/factory';
import {
  errorResponse as error,
  jsonResponse as json,
  AUTHED_ERRORS as common,
  BEARER_SECURITY as security,
  UPLOAD_TOKEN_SECURITY,
} from '../../lib/openapi';
import { requireScope } from '../../middleware/auth';
import { requireTurnstile } from '../../middleware/turnstile';
import { parseContentLength, twoStepTooLarge } from '../../services/uploads/two-step';
import { uploadErrors } from './one-shot.routes';

/**
 * Refuses a body declared larger than the two-step limit with 413 before the token is spent. Nothing is
 * buffered here (unlike hono's bodyLimit, which buffers a body without a length): the handler streams it.
 */
const twoStepBodyLimit = createMiddleware(async (c, next) => {
  const declared = parseContentLength(c.req.header('Content-Length'));
  if (declared !== null && declared > UPLOAD_LIMITS.maxTwoStepBytes) throw twoStepTooLarge();
  await next();
});

export const createTwoStepUpload = createRoute({
  method: 'post',
  path: '/images',
  operationId: 'createTwoStepUpload',
  tags: ['Images'],
  summary: 'Start a two-step upload',
  description:
    'Stores the metadata and answers with a single-use `upload_url` (15 minutes). `PUT` the bytes there; the image is then validated and stored like any upload.',
  security,
  middleware: [requireScope('images:write'), requireTurnstile(TURNSTILE_ACTIONS.upload)] as const,
  request: { body: { required: true, content: { 'application/json': { schema: UploadMetadataSchema } } } },
  responses: {
    201: json(TwoStepUploadSchema, 'Upload URL issued'),
    ...common,
    404: error('Unknown album'),
  },
});

export const putTwoStepUpload = createRoute({
  method: 'put',
  path: '/uploads/{id}',
  operationId: 'putTwoStepUpload',
  tags: ['Images'],
  summary: 'Second step of a two-step upload: the bytes',
  description: `The \`upload_url\` from \`POST /v1/images\`. The token in it is the credential (no Authorization header needed), works once and expires after 15 minutes. The body is the raw file, at most ${UPLOAD_LIMITS.maxTwoStepBytes / MB} MB. A body above ${INGEST_MEMORY_LIMIT_BYTES / MB} MB must declare its \`Content-Length\` (411 otherwise) and is streamed to storage rather than held; above that size only JPEG is accepted (413 for other formats). A body whose length differs from its \`Content-Length\` is 400. When the bytes are refused the pending image is removed and the URL is spent: start again with \`POST /v1/images\`.`,
  security: UPLOAD_TOKEN_SECURITY,
  middleware: [twoStepBodyLimit] as const,
  request: {
    params: z.object({ id: z.string().min(1).max(64) }),
    query: z.object({ token: z.string().min(1).max(200) }),
    body: {
      required: true,
      content: { 'application/octet-stream': { schema: z.string().openapi({ format: 'binary' }) } },
    },
  },
  responses: {
    201: { description: 'Stored', content: { 'application/json': { schema: UploadedImageSchema } } },
    200: {
      description: 'Duplicate of an existing image',
      content: { 'application/json': { schema: UploadedImageSchema } },
    },
    ...uploadErrors,
    411: {
      description: 'A body above the in-memory limit sent without a Content-Length',
      content: { 'application/json': { schema: ErrorBodySchema } },
    },
  },
});
