import { rewrapStep } from '../services/encryption/rewrap';
import type { JobContext } from './context';
import { sendVariantsMessage, type RewrapKeysMessage } from './messages';

/**
 * A rotation's background re-wrap, one batch per message: each message re-wraps the next batch of content keys
 * and queues the next message until none is left. Idempotent (a redelivered batch finds its images already at
 * the target version; a duplicate running at the same time is `superseded` and stops) and resumable (the cursor is
 * in D1, moved in the same batch as the keys: a failed batch is retried from where it stopped).
 */
export async function rewrapKeysJob(message: RewrapKeysMessage, ctx: JobContext): Promise<void> {
  const step = await rewrapStep(
    { db: ctx.db, config: ctx.config },
    { ownerId: message.ownerId, targetVersion: message.targetVersion },
  );
  ctx.logger.info('content keys re-wrapped', { ownerId: message.ownerId, ...step });
  if (step.status === 'more') await sendVariantsMessage(ctx.env.VARIANTS_QUEUE, message);
}
