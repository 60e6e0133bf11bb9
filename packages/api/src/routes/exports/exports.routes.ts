import { createRoute } from '@hono/zod-openapi';
import {
  DataExportArchiveParams,
  DataExportDownloadQuery,
  DataExportListSchema,
  DataExportParams,
  DataExportSchema,
} from '@pixelflare/shared';
import { requireScope } from '../../middleware/auth';
import {
  errorResponse as error,
  jsonResponse,
  BEARER_SECURITY as security,
  PUBLIC_SECURITY,
} from '../../lib/openapi';

export const createExportRoute = createRoute({
  method: 'post',
  path: '/me/export',
  operationId: 'createExport',
  tags: ['Account'],
  summary: 'Export your account: originals, metadata, albums and tags as ZIP archives (needs keys:manage)',
  description:
    'Builds the export in the background: poll `GET /v1/me/export/{id}` (or listen for the `export.ready` ' +
    'webhook event) until `status` is `ready`, then download each archive from its `download_url`. Each archive ' +
    'holds `images/{album}/{filename}` with `{filename}.json` (the image as the API returns it) beside it; the ' +
    'first also `profile.json`, `albums.json` and `tags.json`, the last `manifest.json`. Encrypted images are ' +
    'decrypted. An account larger than 3.5 GiB gets several archives. Archives are deleted after 7 days. One ' +
    'export at a time.',
  security,
  middleware: [requireScope('keys:manage')] as const,
  responses: {
    202: jsonResponse(DataExportSchema, 'Export queued'),
    401: error('Not authenticated'),
    403: error('Missing scope'),
    409: error('An export is already being built'),
    503: error('The export could not be queued; ask again'),
  },
});

export const listExportsRoute = createRoute({
  method: 'get',
  path: '/me/export',
  operationId: 'listExports',
  tags: ['Account'],
  summary: 'Your recent exports, newest first (needs keys:manage)',
  security,
  middleware: [requireScope('keys:manage')] as const,
  responses: {
    200: jsonResponse(DataExportListSchema, 'Recent exports'),
    401: error('Not authenticated'),
    403: error('Missing scope'),
  },
});

export const getExportRoute = createRoute({
  method: 'get',
  path: '/me/export/{id}',
  operationId: 'getExport',
  tags: ['Account'],
  summary: 'One export and, once ready, its download links (needs keys:manage)',
  security,
  middleware: [requireScope('keys:manage')] as const,
  request: { params: DataExportParams },
  responses: {
    200: jsonResponse(DataExportSchema, 'The export'),
    401: error('Not authenticated'),
    403: error('Missing scope'),
    404: error('No such export'),
  },
});

export const downloadExportRoute = createRoute({
  method: 'get',
  path: '/me/export/{id}/archives/{part}',
  operationId: 'downloadExportArchive',
  tags: ['Account'],
  summary: 'Download one archive of a ready export (the signed link from the export is the credential)',
  security: PUBLIC_SECURITY,
  request: { params: DataExportArchiveParams, query: DataExportDownloadQuery },
  responses: {
    200: { description: 'The ZIP archive', content: { 'application/zip': { schema: { type: 'string' } } } },
    400: error('Invalid link'),
    404: error('No such export, or the link is wrong or expired'),
  },
});
