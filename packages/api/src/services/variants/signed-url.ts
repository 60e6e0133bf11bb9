import { images, users, type Database } from '@pixelflare/database';
import { parseTransformQuery } from '@pixelflare/shared';
import { and, eq, isNull } from 'drizzle-orm';
import { badRequest, notFound } from '../../lib/errors';
import { signCdnPath } from './signing';

export interface MintSignedUrlInput {
  db: Database;
  kv: KVNamespace;
  serverSecret: string;
  ownerId: string;
  imageId: string;
  ttlSeconds: number;
  variant?: string;
  /** Transform query string, e.g. `w=500&fit=cover`. */
  transform?: string;
  enabledVariants: readonly string[];
  /** Where `/cdn` paths are served: `PUBLIC_API_URL`, or `https://CDN_HOSTNAME` without the prefix. */
  base: { origin: string; dedicatedHost: boolean };
  now: number;
}

/** A signed CDN URL for one of the caller's images; another tenant's id is a 404. */
export async function mintSignedUrl(input: MintSignedUrlInput): Promise<{ url: string; expiresAt: Date }> {
  const image = await input.db
    .select({ ownerSlug: users.slug, albumSlug: images.albumSlug, filename: images.filename })
    .from(images)
    .innerJoin(users, eq(users.id, images.ownerId))
    .where(and(eq(images.id, input.imageId), eq(images.ownerId, input.ownerId), isNull(images.deletedAt)))
    .get();
  if (!image) throw notFound('Image');
  if (input.variant && input.variant !== 'original' && !input.enabledVariants.includes(input.variant))
    throw badRequest(`Unknown variant "${input.variant}"`, [{ path: 'variant', message: 'unknown variant' }]);
  const query = [...new URLSearchParams(input.transform ?? '').entries()];
  const parsed = parseTransformQuery(query);
  if (!parsed.ok)
    throw badRequest(
      `Invalid transform: ${parsed.issues.map((issue) => issue.message).join('; ')}`,
      parsed.issues.map((issue) => ({ ...issue, path: `transform.${issue.path}` })),
    );
  const variant =
    input.variant && input.variant !== 'original' ? `/${encodeURIComponent(input.variant)}` : '';
  const path = `/cdn/${[image.ownerSlug, image.albumSlug, image.filename].map(encodeURIComponent).join('/')}${variant}`;
  const expires = Math.floor(input.now / 1000) + input.ttlSeconds;
  const sig = await signCdnPath({
    kv: input.kv,
    serverSecret: input.serverSecret,
    ownerId: input.ownerId,
    path,
    query,
    expires,
  });
  const search = new URLSearchParams(query);
  search.set('exp', String(expires));
  search.set('sig', sig);
  const origin = input.base.origin.replace(/\/$/, '');
  const servedPath = input.base.dedicatedHost ? path.slice('/cdn'.length) : path;
  return { url: `${origin}${servedPath}?${search.toString()}`, expiresAt: new Date(expires * 1000) };
}
