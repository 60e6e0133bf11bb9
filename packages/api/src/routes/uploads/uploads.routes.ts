import { createRoute, z } from '@hono/zod-openapi';
import { UploadedImageSchema } from '@pixelflare/shared';
import { uploadBodyLimit, uploadErrors } from '../upload/upload.routes';

export const putTwoStepUpload = createRoute({
  method: 'put',
  path: '/uploads/{id}',
  tags: ['Images'],
  summary: 'Second step of a two-step upload: the bytes',
  description:
    'The `upload_url` from `POST /v1/images`. The token in it is the credential (no Authorization header needed), works once and expires after 15 minutes. The body is the raw file.',
  middleware: [uploadBodyLimit] as const,
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
  },
});
