import type { RouteHandler } from '@hono/zod-openapi';
import { users } from '@pixelflare/database';
import { eq } from 'drizzle-orm';
import { notFound } from '../../lib/errors';
import type { AppEnv } from '../../lib/types';
import { signingDepsOf, toOneImageResource } from '../../services/images/resource';
import { consumeUploadToken, ingestTwoStepBody, parseContentLength } from '../../services/uploads/two-step';
import { ingestDepsOf } from '../images/images.context';
import type { putTwoStepUpload } from './uploads.routes';

export const putTwoStepUploadHandler: RouteHandler<typeof putTwoStepUpload, AppEnv> = async (c) => {
  const { id } = c.req.valid('param');
  const db = c.get('db');
  const config = c.get('config');
  const declaredLength = parseContentLength(c.req.header('Content-Length'));
  const { ownerId, metadata } = await consumeUploadToken(db, id, c.req.valid('query').token);
  c.set('audit', { action: 'image.upload', resourceType: 'image', resourceId: id, ownerId });
  const result = await ingestTwoStepBody(ingestDepsOf(c), {
    imageId: id,
    ownerId,
    metadata,
    body: c.req.raw.body,
    declaredLength,
    maxMegapixels: config.MAX_UPLOAD_MEGAPIXELS,
    usageLimitsEnabled: config.USAGE_LIMITS_ENABLED,
  });
  const [owner] = await db.select({ slug: users.slug }).from(users).where(eq(users.id, ownerId)).limit(1);
  if (!owner) throw notFound('User');
  const view = {
    ownerId,
    ownerSlug: owner.slug,
    cdn: { origin: config.PUBLIC_API_URL },
    signing: signingDepsOf(c.env, config),
  };
  const resource = await toOneImageResource(db, result.image, view);
  return c.json({ ...resource, duplicate: result.duplicate }, result.duplicate ? 200 : 201);
};
