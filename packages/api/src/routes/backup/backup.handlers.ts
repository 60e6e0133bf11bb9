import type { RouteHandler } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { BACKUPS } from '@pixelflare/config';
import { AppError, conflict } from '../../lib/errors';
import type { AppEnv } from '../../lib/types';
import { principalOf } from '../../middleware/auth';
import { backupStatusOf, queueOwnerBackups } from '../../services/backups/catch-up';
import {
  deleteBackupConfig,
  findBackupConfig,
  requireBackupConfig,
  saveBackupConfig,
  toBackupConfig,
} from '../../services/backups/config';
import { testBackupConnection } from '../../services/backups/probe';
import { imageBackupOf, queueImageBackup } from '../../services/backups/image';
import { importFromBackup } from '../../services/backups/import';
import { findImage } from '../../services/images/resource';
import { restoreFromBackup } from '../../services/backups/restore';
import { S3Error } from '@pixelflare/s3';
import { backupSettingsOf } from '../../services/backups/settings';
import type {
  deleteBackupConfigRoute,
  getBackupConfigRoute,
  backUpImageRoute,
  getBackupStatusRoute,
  getImageBackupRoute,
  importBackupRoute,
  putBackupConfigRoute,
  restoreBackupRoute,
  syncBackupRoute,
  testBackupConfigRoute,
} from './backup.routes';

const settingsOf = (c: Context<AppEnv>) => backupSettingsOf(c.get('config'));

/** "Back up now" queues more than one catch-up run would, in the queue's batches. */
const SYNC_NOW_LIMIT = BACKUPS.catchUpPerOwner * 10;

export const getBackupConfigHandler: RouteHandler<typeof getBackupConfigRoute, AppEnv> = async (c) => {
  return c.json(toBackupConfig(await requireBackupConfig(c.get('db'), principalOf(c).userId)), 200);
};

export const putBackupConfigHandler: RouteHandler<typeof putBackupConfigRoute, AppEnv> = async (c) => {
  const input = c.req.valid('json');
  const ownerId = principalOf(c).userId;
  const before = await findBackupConfig(c.get('db'), ownerId);
  const row = await saveBackupConfig(c.get('db'), settingsOf(c), ownerId, input);
  // Bring your own storage turned on or off: the originals move (into the bucket, or back into R2) in the
  // backups job, queued now rather than at 03:00.
  if (row.isEnabled && row.byos !== (before?.byos ?? false)) {
    await queueOwnerBackups(c.get('db'), c.env.BACKUPS_QUEUE, ownerId, new Date(), SYNC_NOW_LIMIT);
  }
  c.set('audit', {
    action: 'backup.configure',
    resourceType: 'backup_config',
    resourceId: row.ownerId,
    metadata: { endpoint: row.endpoint, bucket: row.bucket, enabled: row.isEnabled, byos: row.byos },
  });
  return c.json(toBackupConfig(row), 200);
};

export const deleteBackupConfigHandler: RouteHandler<typeof deleteBackupConfigRoute, AppEnv> = async (c) => {
  const ownerId = principalOf(c).userId;
  await deleteBackupConfig(c.get('db'), ownerId);
  c.set('audit', { action: 'backup.remove', resourceType: 'backup_config', resourceId: ownerId });
  return c.body(null, 204);
};

export const testBackupConfigHandler: RouteHandler<typeof testBackupConfigRoute, AppEnv> = async (c) => {
  const row = await requireBackupConfig(c.get('db'), principalOf(c).userId);
  return c.json(await testBackupConnection(settingsOf(c), row), 200);
};

export const getBackupStatusHandler: RouteHandler<typeof getBackupStatusRoute, AppEnv> = async (c) => {
  return c.json(await backupStatusOf(c.get('db'), principalOf(c).userId), 200);
};

export const syncBackupHandler: RouteHandler<typeof syncBackupRoute, AppEnv> = async (c) => {
  const ownerId = principalOf(c).userId;
  const row = await requireBackupConfig(c.get('db'), ownerId);
  if (!row.isEnabled) throw conflict('Backups are disabled for this destination; enable them first');
  const queued = await queueOwnerBackups(
    c.get('db'),
    c.env.BACKUPS_QUEUE,
    ownerId,
    new Date(),
    SYNC_NOW_LIMIT,
  );
  return c.json({ queued }, 202);
};

export const restoreBackupHandler: RouteHandler<typeof restoreBackupRoute, AppEnv> = async (c) => {
  const ownerId = principalOf(c).userId;
  const result = await restoreFromBackup(
    { db: c.get('db'), bucket: c.env.IMAGES_BUCKET, settings: settingsOf(c) },
    ownerId,
    c.req.valid('json'),
  );
  c.set('audit', {
    action: 'backup.restore',
    resourceType: 'backup_config',
    resourceId: ownerId,
    metadata: { restored: result.restored.length, failed: result.failed.length },
  });
  return c.json(result, 200);
};

export const importBackupHandler: RouteHandler<typeof importBackupRoute, AppEnv> = async (c) => {
  const ownerId = principalOf(c).userId;
  const result = await importFromBackup(
    { db: c.get('db'), bucket: c.env.IMAGES_BUCKET, settings: settingsOf(c), queue: c.env.BACKUPS_QUEUE },
    ownerId,
    c.req.valid('json') ?? {},
  ).catch((error: unknown) => {
    // The listing itself failed: the bucket's answer, as a 502 (one image failing is reported in `failed`).
    if (error instanceof S3Error) {
      throw new AppError(
        502,
        'SERVICE_UNAVAILABLE',
        `The backup bucket could not be listed: ${error.summary}`,
      );
    }
    throw error;
  });
  c.set('audit', {
    action: 'backup.import',
    resourceType: 'backup_config',
    resourceId: ownerId,
    metadata: { imported: result.imported.length, failed: result.failed.length },
  });
  return c.json(result, 200);
};

export const getImageBackupHandler: RouteHandler<typeof getImageBackupRoute, AppEnv> = async (c) => {
  const image = await findImage(c.get('db'), principalOf(c).userId, c.req.valid('param').id);
  return c.json(await imageBackupOf(c.get('db'), image), 200);
};

export const backUpImageHandler: RouteHandler<typeof backUpImageRoute, AppEnv> = async (c) => {
  const image = await findImage(c.get('db'), principalOf(c).userId, c.req.valid('param').id);
  await queueImageBackup(c.get('db'), c.env.BACKUPS_QUEUE, image);
  return c.json({ queued: 1 }, 202);
};
