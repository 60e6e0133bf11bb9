import { createRoute, z } from '@hono/zod-openapi';
import {
  ErrorBodySchema,
  UploadMetadataSchema,
  UploadQuerySchema,
  UploadedImageSchema,
} from '@pixelflare/shared';
import { MB, TURNSTILE_ACTIONS, UPLOAD_LIMITS } from '@pixelflare/config';
import { requireTurnstile } from '../../middleware/turnstile';
import { bodyLimit } from 'hono/body-limit';
import { requireScope } from '../../middleware/auth';
import { oneShotTooLarge } from '../../services/uploads/one-shot';
import { BEARER_SECURITY, RATE_LIMITED } from '../../lib/openapi';

/** Multipart framing allowance on top of the file limit. */
const FORM_OVERHEAD_BYTES = 64 * 1024;

/**
 * The form is buffered to be parsed, so it is capped at the in-memory limit: a declared Content-Length
 * above it is 413 before anything is read, and a body without one is cut off at the limit while streaming.
 * The service checks the file itself against the limit too (the cap here allows for the multipart framing).
 */
const oneShotBodyLimit = bodyLimit({
  maxSize: UPLOAD_LIMITS.maxOneShotBytes + FORM_OVERHEAD_BYTES,
  onError: () => {
    throw oneShotTooLarge();
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
  ...RATE_LIMITED,
} as const;
export const uploadErrors = errors;

export const UploadFormSchema = UploadMetadataSchema.extend({
  file: z.file().openapi({ type: 'string', format: 'binary', description: 'The image bytes' }),
});

export const uploadImage = createRoute({
  method: 'post',
  path: '/upload',
  operationId: 'uploadImage',
  tags: ['Images'],
  summary: 'Upload an image in one request (multipart)',
  description: `For curl, scripts and ShareX: a multipart form with a \`file\` field and optional metadata fields. The type is recognised from the bytes; GPS and identifying EXIF are removed. The form is read into memory, so it carries at most ${UPLOAD_LIMITS.maxOneShotBytes / MB} MB (a larger declared \`Content-Length\` is 413 before the body is read); for larger files use a two-step upload (\`POST /v1/images\`, up to ${UPLOAD_LIMITS.maxTwoStepBytes / MB} MB) or tus (\`/v1/uploads/tus\`, up to ${UPLOAD_LIMITS.maxResumableBytes / MB} MB). Identical bytes already uploaded answer 200 with the existing image and \`duplicate: true\`.`,
  security: BEARER_SECURITY,
  middleware: [
    requireScope('images:write'),
    oneShotBodyLimit,
    requireTurnstile(TURNSTILE_ACTIONS.upload),
  ] as const,
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
