import { VARIANT_NAMES } from '@pixelflare/config';
import type { RouteHandler } from '@hono/zod-openapi';
import type { AppEnv } from '../../lib/types';
import { principalOf } from '../../middleware/auth';
import { ownerSigning, signingDepsOf } from '../../services/images/resource';
import { mintSignedUrl } from '../../services/variants/signed-url';
import type { createSignedUrl } from './signed-urls.routes';

export const createSignedUrlHandler: RouteHandler<typeof createSignedUrl, AppEnv> = async (c) => {
  const principal = principalOf(c);
  const { id } = c.req.valid('param');
  const body = c.req.valid('json');
  const config = c.get('config');
  c.set('audit', { action: 'image.signed_url', resourceType: 'image', resourceId: id });
  const db = c.get('db');
  // On the owner's custom domain when it has an active one: the signature is over the canonical path either way.
  const signing = await ownerSigning(db, signingDepsOf(c.env, config), {
    id: principal.userId,
    slug: principal.ownerSlug,
  });
  const minted = await mintSignedUrl({
    db,
    ...signing,
    ownerId: principal.userId,
    imageId: id,
    ttlSeconds: body.ttl,
    variant: body.variant,
    transform: body.transform,
    enabledVariants: config.ALLOWED_VARIANTS ?? VARIANT_NAMES,
    now: Date.now(),
  });
  return c.json({ url: minted.url, expires_at: minted.expiresAt.toISOString() }, 201);
};
