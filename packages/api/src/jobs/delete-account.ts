import { AppError } from '../lib/errors';
import { domainDepsOf } from '../services/domains/deps';
import { removeCustomDomain } from '../services/domains/domains';
import { deleteAccountPage } from '../services/users/delete-account';
import { vectorIndexFor } from '../services/vectors/select';
import type { JobContext } from './context';
import { sendVariantsMessage, type DeleteAccountMessage } from './messages';

/** One page of an account's deletion, then the next page queued; the last step removes the account itself. */
export async function deleteAccountJob(message: DeleteAccountMessage, ctx: JobContext): Promise<void> {
  const { more, deletedImages } = await deleteAccountPage(
    {
      db: ctx.db,
      bucket: ctx.env.IMAGES_BUCKET,
      kv: ctx.env.KV,
      cache: caches.default,
      vectors: vectorIndexFor(ctx.config, ctx.env.VECTORIZE),
      removeCustomDomain: ctx.config.ENABLE_CUSTOM_DOMAINS
        ? async (ownerId) => {
            try {
              await removeCustomDomain(domainDepsOf(ctx.env, ctx.config, ctx.logger), ownerId);
            } catch (error) {
              // No domain: nothing to remove.
              if (!(error instanceof AppError && error.status === 404)) throw error;
            }
          }
        : undefined,
    },
    message.ownerId,
    message.keyIds,
  );
  if (more) await sendVariantsMessage(ctx.env.VARIANTS_QUEUE, message);
  ctx.logger.info(more ? 'account deletion: a page of images deleted' : 'account deleted', {
    ownerId: message.ownerId,
    deletedImages,
  });
}
