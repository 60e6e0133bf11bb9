import type { z } from '@hono/zod-openapi';
import { createRoute } from '@hono/zod-openapi';
import { TagListSchema, TagMergeSchema, TagParam, TagRenameSchema } from '@pixelflare/shared';
import { requireScope } from '../../middleware/auth';
import {
  errorResponse as error,
  AUTHED_ERRORS as common,
  BEARER_SECURITY as security,
} from '../../lib/openapi';

const body = <T extends z.ZodType>(schema: T) => ({
  body: { required: true, content: { 'application/json': { schema } } },
});

export const listTagsRoute = createRoute({
  method: 'get',
  path: '/tags',
  operationId: 'listTags',
  tags: ['Tags'],
  summary: 'List tags with image counts',
  security,
  middleware: [requireScope('images:read')] as const,
  responses: {
    200: { description: 'All your tags', content: { 'application/json': { schema: TagListSchema } } },
    ...common,
  },
});

export const renameTagRoute = createRoute({
  method: 'patch',
  path: '/tags/{name}',
  operationId: 'renameTag',
  tags: ['Tags'],
  summary: 'Rename a tag',
  security,
  middleware: [requireScope('images:write')] as const,
  request: { params: TagParam, ...body(TagRenameSchema) },
  responses: {
    204: { description: 'Renamed' },
    ...common,
    404: error('No such tag'),
    409: error('The new name exists: merge instead'),
  },
});

export const mergeTagRoute = createRoute({
  method: 'post',
  path: '/tags/{name}/merge',
  operationId: 'mergeTag',
  tags: ['Tags'],
  summary: 'Merge a tag into another',
  security,
  middleware: [requireScope('images:write')] as const,
  request: { params: TagParam, ...body(TagMergeSchema) },
  responses: { 204: { description: 'Merged' }, ...common, 404: error('No such tag') },
});
