import { createRoute, z } from '@hono/zod-openapi';
import {
  ErrorBodySchema,
  UploadMetadataSchema,
  UploadQuerySchema,
  UploadedImageSchema,
} from '@pixelflare/shared';
import { UPLOAD_LIMITS } from '@pixelflare/config';
import { bodyLimit } from 'hono/body-limit';
import { AppError } from '../../lib/errors';
import { requireScope } from '../../middleware/auth';

/** Multipart framing allowance on top of the file limit. */
const FORM_OVERHEAD_BYTES = 64 * 1024;

/** Refuses bodies over the one-request limit with 413 while streaming, before they are buffered. */
export const uploadBodyLimit = bodyLimit({
  maxSize: UPLOAD_LIMITS.maxRequestBytes + FORM_OVERHEAD_BYTES,
  onError: () => {
    throw new AppError(
      413,
      'PAYLOAD_TOO_LARGE',
      `One request carries at most ${UPLOAD_LIMITS.maxRequestBytes} bytes; use the resumable (tus) endpoint for larger files`,
    );
  },
});

const errors = {
  400: {
    description: 'Empty file or bad metadata',
    content: { 'application/json': { schema: ErrorBodySchema } },
  },
  401: { description: 'Not authenticated', content: { 'application/json': { schema: ErrorBodySchema } } },
  403: {
    description: 'Missing scope or quota exceeded',
    content: { 'application/json': { schema: ErrorBodySchema } },
  },
  404: { description: 'Unknown album', content: { 'application/json': { schema: ErrorBodySchema } } },
  413: {
    description: 'File over the size limit',
    content: { 'application/json': { schema: ErrorBodySchema } },
  },
  415: { description: 'Not a supported image', content: { 'application/json': { schema: ErrorBodySchema } } },
  422: {
    description: 'Truncated, unreadable, too many pixels or active SVG',
    content: { 'application/json': { schema: ErrorBodySchema } },
  },
} as const;
export const uploadErrors = errors;

export const UploadFormSchema = UploadMetadataSchema.extend({
  file: z.file().openapi({ type: 'string', format: 'binary', description: 'The image bytes' }),
});

export const uploadImage = createRoute({
  method: 'post',
  path: '/upload',
  tags: ['Images'],
  summary: 'Upload an image in one request (multipart)',
  description: `For curl, scripts and ShareX: a multipart form with a \`file\` field and optional metadata fields. The type is recognised from the bytes; GPS and identifying EXIF are removed. At most ${UPLOAD_LIMITS.maxRequestBytes / 1024 / 1024} MB; use tus for larger files. Identical bytes already uploaded answer 200 with the existing image and \`duplicate: true\`.`,
  security: [{ bearerAuth: [] }],
  middleware: [requireScope('images:write'), uploadBodyLimit] as const,
  request: {
    query: UploadQuerySchema,
    body: { required: true, content: { 'multipart/form-data': { schema: UploadFormSchema } } },
  },
  responses: {
    201: { description: 'Stored', content: { 'application/json': { schema: UploadedImageSchema } } },
    200: {
      description: 'Duplicate of an existing image',
      content: { 'application/json': { schema: UploadedImageSchema } },
    },
    ...errors,
  },
});
