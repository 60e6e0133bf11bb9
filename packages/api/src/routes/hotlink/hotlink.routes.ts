import { createRoute } from '@hono/zod-openapi';
import { HotlinkSettingsSchema, UpdateHotlinkSettingsSchema } from '@pixelflare/shared';
import { requireScope } from '../../middleware/auth';
import { jsonResponse, AUTHED_ERRORS as common, BEARER_SECURITY as security } from '../../lib/openapi';

const tags = ['Hotlink protection'];
const settings = jsonResponse(HotlinkSettingsSchema, 'Your hotlink protection');

export const getHotlinkRoute = createRoute({
  method: 'get',
  path: '/hotlink',
  operationId: 'getHotlink',
  tags,
  summary: 'Which sites may embed your images',
  security,
  middleware: [requireScope('keys:manage')] as const,
  responses: { 200: settings, ...common },
});

export const updateHotlinkRoute = createRoute({
  method: 'put',
  path: '/hotlink',
  operationId: 'updateHotlink',
  tags,
  summary: 'Set which sites may embed your images (a refused embed is a 403)',
  security,
  middleware: [requireScope('keys:manage')] as const,
  request: {
    body: { required: true, content: { 'application/json': { schema: UpdateHotlinkSettingsSchema } } },
  },
  responses: { 200: settings, ...common },
});
