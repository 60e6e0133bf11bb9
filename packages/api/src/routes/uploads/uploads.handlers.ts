import type { RouteHandler } from '@hono/zod-openapi';
import { UPLOAD_LIMITS } from '@pixelflare/config';
import { users } from '@pixelflare/database';
import { eq } from 'drizzle-orm';
import { notFound } from '../../lib/errors';
import type { AppEnv } from '../../lib/types';
import { toOneImageResource } from '../../services/images/resource';
import { ingestImage } from '../../services/ingest/ingest';
import { consumeUploadToken, discardPendingUpload } from '../../services/uploads/two-step';
import { ingestDepsOf } from '../images/images.context';
import type { putTwoStepUpload } from './uploads.routes';

export const putTwoStepUploadHandler: RouteHandler<typeof putTwoStepUpload, AppEnv> = async (c) => {
  const { id } = c.req.valid('param');
  const db = c.get('db');
  const config = c.get('config');
  const { ownerId, metadata } = await consumeUploadToken(db, id, c.req.valid('query').token);
  c.set('audit', { action: 'image.upload', resourceType: 'image', resourceId: id, ownerId });
  const bytes = new Uint8Array(await c.req.arrayBuffer());
  let result;
  try {
    result = await ingestImage(ingestDepsOf(c), {
      ownerId,
      bytes,
      metadata,
      maxMegapixels: config.MAX_UPLOAD_MEGAPIXELS,
      maxBytes: UPLOAD_LIMITS.maxRequestBytes,
      usageLimitsEnabled: config.USAGE_LIMITS_ENABLED,
      pendingImageId: id,
    });
  } catch (error) {
    await discardPendingUpload(db, id);
    throw error;
  }
  const [owner] = await db.select({ slug: users.slug }).from(users).where(eq(users.id, ownerId)).limit(1);
  if (!owner) throw notFound('User');
  const view = { ownerId, ownerSlug: owner.slug, cdn: { origin: config.PUBLIC_API_URL } };
  const resource = await toOneImageResource(db, result.image, view);
  return c.json({ ...resource, duplicate: result.duplicate }, result.duplicate ? 200 : 201);
};
