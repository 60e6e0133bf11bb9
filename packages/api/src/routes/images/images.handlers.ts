import type { RouteHandler } from '@hono/zod-openapi';
import { users } from '@pixelflare/database';
import { mapPage } from '@pixelflare/shared';
import { eq } from 'drizzle-orm';
import { notFound } from '../../lib/errors';
import type { AppEnv } from '../../lib/types';
import { AppError } from '../../lib/errors';
import { principalOf } from '../../middleware/auth';
import {
  bulkImageAction,
  listImages,
  purgeImage,
  restoreImage,
  setFavourite,
  trashImage,
  updateImage,
} from '../../services/images/manage';
import { findImage, toImageResources, toOneImageResource } from '../../services/images/resource';
import { usageReport } from '../../services/quotas/metering';
import { createSource } from '../../services/analytics/source';
import { imageStoreOf, imageViewOf } from './images.context';
import type {
  bulkImagesRoute,
  deleteImageRoute,
  downloadImageRoute,
  favouriteImageRoute,
  getImageRoute,
  getUsageRoute,
  listImagesRoute,
  listTrashRoute,
  restoreImageRoute,
  unfavouriteImageRoute,
  updateImageRoute,
} from './images.routes';
import { decryptedOriginal } from '../../services/encryption/content';
import { originalsOf } from '../../services/backups/originals';
import { backupSettingsOf } from '../../services/backups/settings';
import { contentDisposition } from '../../services/ingest/filename';

export const listImagesHandler: RouteHandler<typeof listImagesRoute, AppEnv> = async (c) => {
  const view = await imageViewOf(c);
  const page = await listImages(c.get('db'), view.ownerId, c.req.valid('query'));
  return c.json(await mapPage(page, (rows) => toImageResources(c.get('db'), rows, view)), 200);
};

export const listTrashHandler: RouteHandler<typeof listTrashRoute, AppEnv> = async (c) => {
  const view = await imageViewOf(c);
  const page = await listImages(c.get('db'), view.ownerId, c.req.valid('query'), { trash: true });
  return c.json(await mapPage(page, (rows) => toImageResources(c.get('db'), rows, view)), 200);
};

export const getImageHandler: RouteHandler<typeof getImageRoute, AppEnv> = async (c) => {
  const view = await imageViewOf(c);
  const image = await findImage(c.get('db'), view.ownerId, c.req.valid('param').id);
  return c.json(await toOneImageResource(c.get('db'), image, view), 200);
};

export const downloadImageHandler: RouteHandler<typeof downloadImageRoute, AppEnv> = async (c) => {
  const principal = principalOf(c);
  const image = await findImage(c.get('db'), principal.userId, c.req.valid('param').id);
  // From R2, or from the owner's bucket (bring your own storage: a 502 when it cannot be reached).
  const bucket = await originalsOf(
    { db: c.get('db'), bucket: c.env.IMAGES_BUCKET, settings: backupSettingsOf(c.get('config')) },
    image,
  );
  // An encrypted original is decrypted for its owner; anything else is the stored object as it is.
  const object = image.isEncrypted
    ? await decryptedOriginal({ db: c.get('db'), config: c.get('config'), bucket }, image)
    : await bucket.get(image.storageKey);
  if (!object) throw notFound('Original');
  return new Response(object.body, {
    headers: {
      'Content-Type': image.contentType,
      'Content-Length': String(object.size),
      'Content-Disposition': contentDisposition(image.filename),
      'X-Content-Type-Options': 'nosniff',
    },
  }) as never;
};

export const updateImageHandler: RouteHandler<typeof updateImageRoute, AppEnv> = async (c) => {
  const view = await imageViewOf(c);
  const db = c.get('db');
  const image = await findImage(db, view.ownerId, c.req.valid('param').id);
  const changes = c.req.valid('json');
  await updateImage(imageStoreOf(c), image, changes, view);
  c.set('audit', {
    action: 'image.update',
    resourceType: 'image',
    resourceId: image.id,
    metadata: { fields: Object.keys(changes) },
  });
  return c.json(await toOneImageResource(db, await findImage(db, view.ownerId, image.id), view), 200);
};

export const deleteImageHandler: RouteHandler<typeof deleteImageRoute, AppEnv> = async (c) => {
  const view = await imageViewOf(c);
  const db = c.get('db');
  const permanent = c.req.valid('query').permanent ?? false;
  const image = await findImage(db, view.ownerId, c.req.valid('param').id, {
    trashed: permanent ? 'include' : 'exclude',
  });
  if (permanent) await purgeImage(imageStoreOf(c), image, view);
  else await trashImage(imageStoreOf(c), image, view);
  c.set('audit', {
    action: permanent ? 'image.purge' : 'image.delete',
    resourceType: 'image',
    resourceId: image.id,
  });
  return c.body(null, 204);
};

export const restoreImageHandler: RouteHandler<typeof restoreImageRoute, AppEnv> = async (c) => {
  const view = await imageViewOf(c);
  const db = c.get('db');
  const image = await findImage(db, view.ownerId, c.req.valid('param').id, { trashed: 'only' });
  await restoreImage(db, image, view, new Date(), c.env.BACKUPS_QUEUE);
  c.set('audit', { action: 'image.restore', resourceType: 'image', resourceId: image.id });
  return c.json(await toOneImageResource(db, await findImage(db, view.ownerId, image.id), view), 200);
};

export const favouriteImageHandler: RouteHandler<typeof favouriteImageRoute, AppEnv> = async (c) => {
  const principal = principalOf(c);
  const image = await findImage(c.get('db'), principal.userId, c.req.valid('param').id);
  await setFavourite(c.get('db'), image, true);
  c.set('audit', { action: 'image.favourite', resourceType: 'image', resourceId: image.id });
  return c.body(null, 204);
};

export const unfavouriteImageHandler: RouteHandler<typeof unfavouriteImageRoute, AppEnv> = async (c) => {
  const principal = principalOf(c);
  const image = await findImage(c.get('db'), principal.userId, c.req.valid('param').id);
  await setFavourite(c.get('db'), image, false);
  c.set('audit', { action: 'image.unfavourite', resourceType: 'image', resourceId: image.id });
  return c.body(null, 204);
};

export const getUsageHandler: RouteHandler<typeof getUsageRoute, AppEnv> = async (c) => {
  const principal = principalOf(c);
  const [user] = await c.get('db').select().from(users).where(eq(users.id, principal.userId)).limit(1);
  if (!user) throw notFound('User');
  const config = c.get('config');
  const source = createSource(config.ANALYTICS_SINK, c.env.DB, {
    baseUrl: config.CLOUDFLARE_API_BASE_URL,
    accountId: config.CLOUDFLARE_ACCOUNT_ID,
    token: config.CLOUDFLARE_ANALYTICS_TOKEN,
  });
  return c.json(await usageReport(c.env.DB, source, user, new Date(), config.USAGE_LIMITS_ENABLED), 200);
};

export const bulkImagesHandler: RouteHandler<typeof bulkImagesRoute, AppEnv> = async (c) => {
  const principal = principalOf(c);
  const action = c.req.valid('json');
  if (action.action === 'delete' && !principal.scopes.has('images:delete')) {
    throw new AppError(403, 'INSUFFICIENT_SCOPE', 'This action needs the "images:delete" scope');
  }
  const result = await bulkImageAction(imageStoreOf(c), await imageViewOf(c), action);
  c.set('audit', {
    action: `image.bulk_${action.action}`,
    resourceType: 'image',
    metadata: { ids: result.updated, notFound: result.notFound },
  });
  return c.json({ updated: result.updated, not_found: result.notFound }, 200);
};
