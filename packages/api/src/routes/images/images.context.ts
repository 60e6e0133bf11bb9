import type { Context } from 'hono';
import type { AppEnv } from '../../lib/types';
import { principalOf } from '../../middleware/auth';
import type { ImageStore } from '../../services/images/manage';
import { cdnBaseOf, signingDepsOf, type ImageView } from '../../services/images/resource';
import { vectorIndexFor } from '../../services/vectors/select';

/** The caller's owner id, slug and CDN origin, for building image resources. */
export function imageViewOf(c: Context<AppEnv>): ImageView {
  const principal = principalOf(c);
  return {
    ownerId: principal.userId,
    ownerSlug: principal.ownerSlug,
    cdn: cdnBaseOf(c.get('config')),
    signing: signingDepsOf(c.env, c.get('config')),
  };
}

/** Where the caller's image changes are written, the Cache API included (see `ImageStore`). */
export function imageStoreOf(c: Context<AppEnv>): ImageStore {
  return {
    db: c.get('db'),
    bucket: c.env.IMAGES_BUCKET,
    cache: caches.default,
    backupsQueue: c.env.BACKUPS_QUEUE,
    vectors: vectorIndexFor(c.get('config'), c.env.VECTORIZE),
  };
}
