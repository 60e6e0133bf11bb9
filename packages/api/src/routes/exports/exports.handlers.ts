import type { RouteHandler } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { sendVariantsMessage } from '../../jobs/messages';
import type { AppEnv } from '../../lib/types';
import { principalOf } from '../../middleware/auth';
import {
  findExport,
  listExports,
  openArchive,
  requestExport,
  toDataExportResource,
  type ExportLinks,
} from '../../services/exports/exports';
import { contentDisposition } from '../../services/ingest/filename';
import type {
  createExportRoute,
  downloadExportRoute,
  getExportRoute,
  listExportsRoute,
} from './exports.routes';

const linksOf = (c: Context<AppEnv>): ExportLinks => ({
  apiUrl: c.get('config').PUBLIC_API_URL,
  secret: c.get('config').API_HASH_SECRET,
});

export const createExportHandler: RouteHandler<typeof createExportRoute, AppEnv> = async (c) => {
  const ownerId = principalOf(c).userId;
  const row = await requestExport(c.get('db'), ownerId, (exportId) =>
    sendVariantsMessage(c.env.VARIANTS_QUEUE, { type: 'build-export', ownerId, exportId }),
  );
  c.set('audit', {
    action: 'user.export',
    resourceType: 'user',
    resourceId: ownerId,
    metadata: { id: row.id },
  });
  return c.json(await toDataExportResource(row, linksOf(c)), 202);
};

export const listExportsHandler: RouteHandler<typeof listExportsRoute, AppEnv> = async (c) => {
  const rows = await listExports(c.get('db'), principalOf(c).userId);
  return c.json({ data: await Promise.all(rows.map((row) => toDataExportResource(row, linksOf(c)))) }, 200);
};

export const getExportHandler: RouteHandler<typeof getExportRoute, AppEnv> = async (c) => {
  const row = await findExport(c.get('db'), principalOf(c).userId, c.req.valid('param').id);
  return c.json(await toDataExportResource(row, linksOf(c)), 200);
};

export const downloadExportHandler: RouteHandler<typeof downloadExportRoute, AppEnv> = async (c) => {
  const { id, part } = c.req.valid('param');
  const archive = await openArchive(c.get('db'), c.env.IMAGES_BUCKET, linksOf(c), {
    id,
    part,
    ...c.req.valid('query'),
  });
  return new Response(archive.body, {
    headers: {
      'Content-Type': 'application/zip',
      'Content-Length': String(archive.size),
      'Content-Disposition': contentDisposition(`pixelflare-export-${part}.zip`),
      'Cache-Control': 'private, no-store',
    },
  }) as never;
};
