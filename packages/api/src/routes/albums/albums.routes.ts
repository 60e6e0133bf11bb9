import { createRoute } from '@hono/zod-openapi';
import {
  AlbumCreateSchema,
  AlbumListQuerySchema,
  AlbumParam,
  AlbumSchema,
  AlbumUpdateSchema,
  DeleteAlbumQuerySchema,
  paginated,
} from '@pixelflare/shared';
import { requireScope } from '../../middleware/auth';
import {
  errorResponse as error,
  jsonResponse as json,
  AUTHED_ERRORS as common,
  BEARER_SECURITY as security,
} from '../../lib/openapi';

export const listAlbumsRoute = createRoute({
  method: 'get',
  path: '/albums',
  operationId: 'listAlbums',
  tags: ['Albums'],
  summary: 'List albums (by slug)',
  security,
  middleware: [requireScope('albums:read')] as const,
  request: { query: AlbumListQuerySchema },
  responses: { 200: json(paginated(AlbumSchema, 'AlbumPage'), 'A page of albums'), ...common },
});

export const createAlbumRoute = createRoute({
  method: 'post',
  path: '/albums',
  operationId: 'createAlbum',
  tags: ['Albums'],
  summary: 'Create an album',
  security,
  middleware: [requireScope('albums:write')] as const,
  request: { body: { required: true, content: { 'application/json': { schema: AlbumCreateSchema } } } },
  responses: {
    201: json(AlbumSchema, 'Created'),
    ...common,
    409: error('Slug already used'),
  },
});

export const getAlbumRoute = createRoute({
  method: 'get',
  path: '/albums/{album}',
  operationId: 'getAlbum',
  tags: ['Albums'],
  summary: 'Get an album by slug or id',
  security,
  middleware: [requireScope('albums:read')] as const,
  request: { params: AlbumParam },
  responses: { 200: json(AlbumSchema, 'The album'), ...common, 404: error('No such album') },
});

export const updateAlbumRoute = createRoute({
  method: 'patch',
  path: '/albums/{album}',
  operationId: 'updateAlbum',
  tags: ['Albums'],
  summary: 'Edit an album',
  description:
    'The slug is part of image URLs and does not change. Setting visibility to private purges its images’ cached ' +
    'public answers from the CDN cache in the background (a few images per queue message).',
  security,
  middleware: [requireScope('albums:write')] as const,
  request: {
    params: AlbumParam,
    body: { required: true, content: { 'application/json': { schema: AlbumUpdateSchema } } },
  },
  responses: {
    200: json(AlbumSchema, 'Updated'),
    ...common,
    404: error('No such album'),
    503: error('Saved, but the purge of its cached images could not be queued: set it private again'),
  },
});

export const deleteAlbumRoute = createRoute({
  method: 'delete',
  path: '/albums/{album}',
  operationId: 'deleteAlbum',
  tags: ['Albums'],
  summary: 'Delete an album',
  security,
  middleware: [requireScope('albums:write')] as const,
  request: { params: AlbumParam, query: DeleteAlbumQuerySchema },
  responses: {
    204: { description: 'Deleted' },
    ...common,
    404: error('No such album'),
    409: error('The album still has images'),
  },
});
