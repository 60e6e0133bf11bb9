import { createRoute, z } from '@hono/zod-openapi';
import { TURNSTILE_ACTIONS } from '@pixelflare/config';
import { requireScope } from '../../middleware/auth';
import { requireTurnstile } from '../../middleware/turnstile';
import { errorResponse as error, BEARER_SECURITY as security } from '../../lib/openapi';

const UploadIdParam = z.object({ id: z.string().min(1).max(64) });
const header = (description: string) => ({ schema: { type: 'string' as const }, description });

export const tusCreate = createRoute({
  method: 'post',
  path: '/uploads/tus',
  operationId: 'createTusUpload',
  tags: ['Resumable uploads (tus)'],
  summary: 'tus creation (and creation-with-upload)',
  description:
    'tus 1.0 endpoint for Uppy (`@uppy/tus`) and `tus-js-client`: send `Tus-Resumable: 1.0.0`, `Upload-Length` and `Upload-Metadata` (`filename`/`name`, `album`, `tags`, `title`, `alt`, `description`, `is_private`, base64). Answers 201 with `Location`. Extensions: creation, creation-with-upload, termination, expiration (24 h, extended by each PATCH). The finished upload goes through the same checks as every upload.',
  security,
  middleware: [requireScope('images:write'), requireTurnstile(TURNSTILE_ACTIONS.upload)] as const,
  responses: {
    201: {
      description: 'Created',
      headers: {
        Location: header('The upload URL'),
        'Upload-Expires': header('When an unfinished upload is removed'),
      },
    },
    204: { description: 'Created and finished in one request (creation-with-upload of the whole file)' },
    400: error('Bad Upload-Length or Upload-Metadata'),
    401: error('Not authenticated'),
    403: error('Missing scope or quota exceeded'),
    412: error('Tus-Resumable missing or unsupported'),
    413: error('Upload-Length over the resumable limit'),
  },
});

export const tusPatch = createRoute({
  method: 'patch',
  path: '/uploads/tus/{id}',
  operationId: 'appendTusUpload',
  tags: ['Resumable uploads (tus)'],
  summary: 'tus PATCH: append bytes at Upload-Offset (HEAD on the same URL reports the offset)',
  description:
    'Body `application/offset+octet-stream`. PATCHes to one upload are serialised. When the last byte arrives the file is ingested; the response then carries `Pixelflare-Image-Id`.',
  security,
  middleware: [requireScope('images:write')] as const,
  request: { params: UploadIdParam },
  responses: {
    204: { description: 'Bytes stored', headers: { 'Upload-Offset': header('The new offset') } },
    400: error('Bad Upload-Offset'),
    401: error('Not authenticated'),
    403: error('Missing scope'),
    404: error('Unknown or expired upload'),
    409: error('Upload-Offset does not match'),
    415: error('Wrong content type, or the finished file is not a supported image'),
    422: error('The finished file is unreadable or too large in pixels'),
  },
});

export const tusDelete = createRoute({
  method: 'delete',
  path: '/uploads/tus/{id}',
  operationId: 'deleteTusUpload',
  tags: ['Resumable uploads (tus)'],
  summary: 'tus termination',
  security,
  middleware: [requireScope('images:write')] as const,
  request: { params: UploadIdParam },
  responses: {
    204: { description: 'Terminated: stored parts removed' },
    401: error('Not authenticated'),
    403: error('Missing scope'),
    404: error('Unknown or expired upload'),
  },
});
