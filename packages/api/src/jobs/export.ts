import { buildExport } from '../services/exports/exports';
import { ownerImageView, signingDepsOf } from '../services/images/resource';
import { backupSettingsOf } from '../services/backups/settings';
import type { JobContext } from './context';
import type { BuildExportMessage } from './messages';

/** Builds one data export; a failure is recorded on the export (and announced), not retried. */
export async function buildExportJob(message: BuildExportMessage, ctx: JobContext): Promise<void> {
  const view = await ownerImageView(ctx.db, message.ownerId, signingDepsOf(ctx.env, ctx.config));
  const result = await buildExport(
    {
      db: ctx.db,
      bucket: ctx.env.IMAGES_BUCKET,
      encryption: { db: ctx.db, config: ctx.config },
      backups: backupSettingsOf(ctx.config),
      view,
      links: { apiUrl: ctx.config.PUBLIC_API_URL, secret: ctx.config.API_HASH_SECRET },
    },
    message.exportId,
  );
  if (result.ok === false)
    ctx.logger.error('data export failed', { exportId: message.exportId, error: result.error });
  else ctx.logger.info('data export built', { exportId: message.exportId, result: result.ok });
}
