import { createRoute } from '@hono/zod-openapi';
import {
  S3AccessKeyCreatedSchema,
  S3AccessKeyCreateSchema,
  S3AccessKeyIdParam,
  S3AccessKeyListSchema,
} from '@pixelflare/shared';
import { requireScope } from '../../middleware/auth';
import {
  errorResponse as error,
  AUTHED_ERRORS as common,
  BEARER_SECURITY as security,
} from '../../lib/openapi';

export const createS3KeyRoute = createRoute({
  method: 'post',
  path: '/s3-keys',
  operationId: 'createS3AccessKey',
  tags: ['S3 access keys'],
  summary: 'Create an S3 access key pair (the secret is shown once)',
  description:
    'A key pair for the S3-compatible endpoint (`/s3/{your slug}/{album}/{filename}`), signed with AWS Signature Version 4.',
  security,
  middleware: [requireScope('keys:manage')] as const,
  request: {
    body: { required: true, content: { 'application/json': { schema: S3AccessKeyCreateSchema } } },
  },
  responses: {
    201: {
      description: 'The new key pair, with its secret',
      content: { 'application/json': { schema: S3AccessKeyCreatedSchema } },
    },
    ...common,
  },
});

export const listS3KeysRoute = createRoute({
  method: 'get',
  path: '/s3-keys',
  operationId: 'listS3AccessKeys',
  tags: ['S3 access keys'],
  summary: 'List your S3 access keys (never their secrets)',
  security,
  middleware: [requireScope('keys:manage')] as const,
  responses: {
    200: {
      description: 'Your S3 access keys, newest first',
      content: { 'application/json': { schema: S3AccessKeyListSchema } },
    },
    ...common,
  },
});

export const revokeS3KeyRoute = createRoute({
  method: 'delete',
  path: '/s3-keys/{id}',
  operationId: 'revokeS3AccessKey',
  tags: ['S3 access keys'],
  summary: 'Revoke an S3 access key',
  security,
  middleware: [requireScope('keys:manage')] as const,
  request: { params: S3AccessKeyIdParam },
  responses: { 204: { description: 'Revoked' }, ...common, 404: error('No such key') },
});
