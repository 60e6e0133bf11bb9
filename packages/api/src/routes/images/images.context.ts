import type { Context } from 'hono';
import type { AppEnv } from '../../lib/types';
import { principalOf } from '../../middleware/auth';
import type { ImageStore } from '../../services/images/manage';
import { imageViewFor, signingDepsOf, type ImageView } from '../../services/images/resource';
import { vectorIndexFor } from '../../services/vectors/select';

/**
 * The caller's owner id, slug and CDN origin, for building image resources: the owner's active custom domain
 * when it has one, else the product's CDN base.
 */
export function imageViewOf(c: Context<AppEnv>): Promise<ImageView> {
  const principal = principalOf(c);
  return imageViewFor(
    c.get('db'),
    { id: principal.userId, slug: principal.ownerSlug },
    signingDepsOf(c.env, c.get('config')),
  );
}

/** Where the caller's image changes are written, the Cache API included (see `ImageStore`). */
export function imageStoreOf(c: Context<AppEnv>): ImageStore {
  return {
    db: c.get('db'),
    bucket: c.env.IMAGES_BUCKET,
    cache: caches.default,
    backupsQueue: c.env.BACKUPS_QUEUE,
    variantsQueue: c.env.VARIANTS_QUEUE,
    vectors: vectorIndexFor(c.get('config'), c.env.VECTORIZE),
  };
}
