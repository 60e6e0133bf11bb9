import { createRoute } from '@hono/zod-openapi';
import {
  paginated,
  ShareLinkCreatedSchema,
  ShareLinkCreateSchema,
  ShareLinkListQuerySchema,
  ShareLinkParam,
  ShareLinkSchema,
} from '@pixelflare/shared';
import { requireScope } from '../../middleware/auth';
import {
  errorResponse as error,
  jsonResponse as json,
  AUTHED_ERRORS as common,
  BEARER_SECURITY as security,
} from '../../lib/openapi';

const tags = ['Share links'];

export const createShareLinkRoute = createRoute({
  method: 'post',
  path: '/share-links',
  operationId: 'createShareLink',
  tags,
  summary: 'Share an image or an album by link',
  description:
    'A link (`/s/{token}`) that opens a page with the image, or the album’s grid, for anyone who has it: ' +
    'optionally until a time, for a number of views (1: one-time) and behind a password. Images on the page are ' +
    'short-lived signed URLs. The URL is in this answer only. Encrypted images cannot be shared (409).',
  security,
  middleware: [requireScope('images:write')] as const,
  request: { body: { required: true, content: { 'application/json': { schema: ShareLinkCreateSchema } } } },
  responses: {
    201: json(ShareLinkCreatedSchema, 'Created, with its URL'),
    ...common,
    404: error('No such image or album'),
    409: error('The image is encrypted'),
  },
});

export const listShareLinksRoute = createRoute({
  method: 'get',
  path: '/share-links',
  operationId: 'listShareLinks',
  tags,
  summary: 'List your share links (every state), newest first',
  security,
  middleware: [requireScope('images:read')] as const,
  request: { query: ShareLinkListQuerySchema },
  responses: { 200: json(paginated(ShareLinkSchema, 'ShareLinkPage'), 'A page of links'), ...common },
});

export const getShareLinkRoute = createRoute({
  method: 'get',
  path: '/share-links/{id}',
  operationId: 'getShareLink',
  tags,
  summary: 'Get a share link (views and state)',
  security,
  middleware: [requireScope('images:read')] as const,
  request: { params: ShareLinkParam },
  responses: { 200: json(ShareLinkSchema, 'The link'), ...common, 404: error('No such link') },
});

export const deleteShareLinkRoute = createRoute({
  method: 'delete',
  path: '/share-links/{id}',
  operationId: 'deleteShareLink',
  tags,
  summary: 'Revoke a share link',
  description:
    'The link answers 410 from now on; it stays in the list as revoked. Revoking twice is a no-op.',
  security,
  middleware: [requireScope('images:write')] as const,
  request: { params: ShareLinkParam },
  responses: { 204: { description: 'Revoked' }, ...common, 404: error('No such link') },
});
