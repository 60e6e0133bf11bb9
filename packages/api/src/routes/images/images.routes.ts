import { createRoute, z } from '@hono/zod-openapi';
import {
  BulkImageActionSchema,
  BulkImageResultSchema,
  DeleteImageQuerySchema,
  ImageIdParam,
  ImageListQuerySchema,
  ImageSchema,
  ImageUpdateSchema,
  UsageSchema,
  paginated,
} from '@pixelflare/shared';
import { requireScope } from '../../middleware/auth';
import {
  errorResponse as error,
  jsonResponse as json,
  AUTHED_ERRORS as common,
  BEARER_SECURITY as security,
} from '../../lib/openapi';

const ImagePageSchema = paginated(ImageSchema, 'ImagePage');

export const listImagesRoute = createRoute({
  method: 'get',
  path: '/images',
  operationId: 'listImages',
  tags: ['Images'],
  summary: 'List images',
  description:
    'Newest first by default. Cursor pagination stays stable while images are added: pass `next_cursor` back as `cursor`.',
  security,
  middleware: [requireScope('images:read')] as const,
  request: { query: ImageListQuerySchema },
  responses: { 200: json(ImagePageSchema, 'A page of images'), ...common },
});

export const listTrashRoute = createRoute({
  method: 'get',
  path: '/trash',
  operationId: 'listTrash',
  tags: ['Images'],
  summary: 'List deleted images (restorable for 30 days)',
  security,
  middleware: [requireScope('images:read')] as const,
  request: { query: ImageListQuerySchema },
  responses: { 200: json(ImagePageSchema, 'A page of deleted images'), ...common },
});

export const getImageRoute = createRoute({
  method: 'get',
  path: '/images/{id}',
  operationId: 'getImage',
  tags: ['Images'],
  summary: 'Get an image by id or short id',
  security,
  middleware: [requireScope('images:read')] as const,
  request: { params: ImageIdParam },
  responses: { 200: json(ImageSchema, 'The image'), ...common, 404: error('No such image') },
});

export const downloadImageRoute = createRoute({
  method: 'get',
  path: '/images/{id}/download',
  operationId: 'downloadImage',
  tags: ['Images'],
  summary: 'Download the stored original',
  security,
  middleware: [requireScope('images:read')] as const,
  request: { params: ImageIdParam },
  responses: {
    200: {
      description: 'The original bytes, with Content-Disposition: attachment',
      content: { 'application/octet-stream': { schema: z.string().openapi({ format: 'binary' }) } },
    },
    ...common,
    404: error('No such image'),
  },
});

export const updateImageRoute = createRoute({
  method: 'patch',
  path: '/images/{id}',
  operationId: 'updateImage',
  tags: ['Images'],
  summary: 'Rename, move, retag or edit an image',
  description: 'Moving changes the path URL; the short URL keeps working.',
  security,
  middleware: [requireScope('images:write')] as const,
  request: {
    params: ImageIdParam,
    body: { required: true, content: { 'application/json': { schema: ImageUpdateSchema } } },
  },
  responses: {
    200: json(ImageSchema, 'The updated image'),
    ...common,
    404: error('No such image or album'),
    409: error('The name is taken in that album'),
  },
});

export const deleteImageRoute = createRoute({
  method: 'delete',
  path: '/images/{id}',
  operationId: 'deleteImage',
  tags: ['Images'],
  summary: 'Delete an image (to trash, or permanently)',
  security,
  middleware: [requireScope('images:delete')] as const,
  request: { params: ImageIdParam, query: DeleteImageQuerySchema },
  responses: { 204: { description: 'Deleted' }, ...common, 404: error('No such image') },
});

export const restoreImageRoute = createRoute({
  method: 'post',
  path: '/images/{id}/restore',
  operationId: 'restoreImage',
  tags: ['Images'],
  summary: 'Restore an image from the trash',
  security,
  middleware: [requireScope('images:delete')] as const,
  request: { params: ImageIdParam },
  responses: { 200: json(ImageSchema, 'Restored'), ...common, 404: error('Not in the trash') },
});

export const favouriteImageRoute = createRoute({
  method: 'put',
  path: '/images/{id}/favourite',
  operationId: 'favouriteImage',
  tags: ['Images'],
  summary: 'Mark an image as a favourite',
  security,
  middleware: [requireScope('images:write')] as const,
  request: { params: ImageIdParam },
  responses: { 204: { description: 'Marked' }, ...common, 404: error('No such image') },
});

export const unfavouriteImageRoute = createRoute({
  method: 'delete',
  path: '/images/{id}/favourite',
  operationId: 'unfavouriteImage',
  tags: ['Images'],
  summary: 'Remove an image from favourites',
  security,
  middleware: [requireScope('images:write')] as const,
  request: { params: ImageIdParam },
  responses: { 204: { description: 'Unmarked' }, ...common, 404: error('No such image') },
});

export const getUsageRoute = createRoute({
  method: 'get',
  path: '/usage',
  operationId: 'getUsage',
  tags: ['Images'],
  summary: "The current period's usage (images, storage, bandwidth, transforms) with the plan's limits",
  security,
  middleware: [requireScope('images:read')] as const,
  responses: { 200: json(UsageSchema, 'Usage'), ...common },
});

export const bulkImagesRoute = createRoute({
  method: 'post',
  path: '/images/bulk',
  operationId: 'bulkUpdateImages',
  tags: ['Images'],
  summary: 'Move, tag or delete up to 100 images',
  description: 'Needs images:write (and images:delete for `delete`).',
  security,
  middleware: [requireScope('images:write')] as const,
  request: { body: { required: true, content: { 'application/json': { schema: BulkImageActionSchema } } } },
  responses: { 200: json(BulkImageResultSchema, 'What was changed'), ...common, 404: error('Unknown album') },
});
