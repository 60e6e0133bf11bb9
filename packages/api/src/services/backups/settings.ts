import type { EnvVars } from '../../lib/env';
import type { BackupSettings } from './config';

/** Backup settings from the validated config, alike for requests, queue consumers and the cron. */
export function backupSettingsOf(
  config: Pick<
    EnvVars,
    'BACKUP_ENCRYPTION_KEY' | 'ALLOW_PRIVATE_BACKUP_TARGETS' | 'ALLOW_PRIVATE_WEBHOOK_TARGETS'
  >,
): BackupSettings {
  return {
    encryptionKey: config.BACKUP_ENCRYPTION_KEY,
    // The webhooks' rule, with its own switch for instances that back up to a bucket on their own network.
    allowPrivateTargets: config.ALLOW_PRIVATE_BACKUP_TARGETS ?? config.ALLOW_PRIVATE_WEBHOOK_TARGETS,
  };
}
