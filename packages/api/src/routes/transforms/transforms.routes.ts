import { createRoute, z } from '@hono/zod-openapi';
import {
  ErrorBodySchema,
  NamedTransformCreateSchema,
  NamedTransformListSchema,
  NamedTransformSchema,
  NamedTransformUpdateSchema,
} from '@pixelflare/shared';
import { requireScope } from '../../middleware/auth';
import { jsonResponse as json } from '../../lib/openapi';

const errors = (codes: number[]) =>
  Object.fromEntries(
    codes.map((code) => [
      code,
      { description: 'Error', content: { 'application/json': { schema: ErrorBodySchema } } },
    ]),
  );
const NameParam = z.object({ name: z.string().min(1).max(64) });
const common = { tags: ['Transforms'], security: [{ bearerAuth: [] }] };

export const listTransforms = createRoute({
  ...common,
  method: 'get',
  path: '/transforms',
  operationId: 'listTransforms',
  summary: 'List your named transforms',
  middleware: [requireScope('images:read')] as const,
  responses: { 200: json(NamedTransformListSchema, 'Your named transforms'), ...errors([401, 403]) },
});

export const createTransform = createRoute({
  ...common,
  method: 'post',
  path: '/transforms',
  operationId: 'createTransform',
  summary: 'Create a named transform',
  description:
    'Saves transform parameters under a name, used in CDN URLs as `?t=name`. Its parameters are locked: a URL ' +
    "cannot override them (`?t=card&w=9999` keeps the transform's width).",
  middleware: [requireScope('images:write')] as const,
  request: {
    body: { content: { 'application/json': { schema: NamedTransformCreateSchema } }, required: true },
  },
  responses: { 201: json(NamedTransformSchema, 'Created'), ...errors([400, 401, 403, 409]) },
});

export const getTransform = createRoute({
  ...common,
  method: 'get',
  path: '/transforms/{name}',
  operationId: 'getTransform',
  summary: 'Get a named transform',
  middleware: [requireScope('images:read')] as const,
  request: { params: NameParam },
  responses: { 200: json(NamedTransformSchema, 'The transform'), ...errors([401, 403, 404]) },
});

export const updateTransform = createRoute({
  ...common,
  method: 'patch',
  path: '/transforms/{name}',
  operationId: 'updateTransform',
  summary: "Replace a named transform's parameters",
  middleware: [requireScope('images:write')] as const,
  request: {
    params: NameParam,
    body: { content: { 'application/json': { schema: NamedTransformUpdateSchema } }, required: true },
  },
  responses: { 200: json(NamedTransformSchema, 'Updated'), ...errors([400, 401, 403, 404, 409, 503]) },
});

export const deleteTransform = createRoute({
  ...common,
  method: 'delete',
  path: '/transforms/{name}',
  operationId: 'deleteTransform',
  summary: 'Delete a named transform',
  middleware: [requireScope('images:write')] as const,
  request: { params: NameParam },
  responses: { 204: { description: 'Deleted' }, ...errors([401, 403, 404, 409]) },
});
