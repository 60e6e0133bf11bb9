import { images, users, type Database } from '@pixelflare/database';
import { canonicalCdnPath, cdnUrl, parseTransformQuery, type CdnUrlBase } from '@pixelflare/shared';
import { and, eq, isNull } from 'drizzle-orm';
import { badRequest, conflict, notFound } from '../../lib/errors';
import { signCdnPath } from './signing';

/**
 * Where signed `/cdn` paths are served (`cdnBaseOf`): `PUBLIC_API_URL`, or `https://CDN_HOSTNAME` without the
 * prefix, or the owner's custom domain without `/cdn/{owner}` (`customHostBase`). The signature is over the
 * canonical path whatever the host, so one signature is valid on each of them.
 */
export type SignedUrlBase = Required<Pick<CdnUrlBase, 'origin' | 'dedicatedHost'>> &
  Pick<CdnUrlBase, 'customHostOwner'>;

/** What signing needs besides the image: the owner's key material and where the URL points. */
export interface SigningDeps {
  kv: KVNamespace;
  serverSecret: string;
  base: SignedUrlBase;
  /** Whether custom domains are on: then an owner's URLs point at its active domain (`ownerSigning`). */
  customDomains?: boolean;
}

/** A signed path URL of one of an owner's images (original, or a preset), valid until `expires` (unix seconds). */
export async function signedImageUrl(
  deps: SigningDeps,
  image: { ownerId: string; ownerSlug: string; albumSlug: string; filename: string },
  options: { variant?: string; query?: [string, string][]; expires: number },
): Promise<string> {
  const query = options.query ?? [];
  const address = {
    kind: 'path',
    owner: image.ownerSlug,
    album: image.albumSlug,
    filename: image.filename,
  } as const;
  const path = canonicalCdnPath(address, options.variant);
  const sig = await signCdnPath({
    kv: deps.kv,
    serverSecret: deps.serverSecret,
    ownerId: image.ownerId,
    path,
    query,
    expires: options.expires,
  });
  const search = new URLSearchParams(query);
  search.set('exp', String(options.expires));
  search.set('sig', sig);
  return cdnUrl(deps.base, path, search);
}

export interface MintSignedUrlInput extends SigningDeps {
  db: Database;
  ownerId: string;
  imageId: string;
  ttlSeconds: number;
  variant?: string;
  /** Transform query string, e.g. `w=500&fit=cover`. */
  transform?: string;
  enabledVariants: readonly string[];
  now: number;
}

/** A signed CDN URL for one of the caller's images; another tenant's id is a 404. */
export async function mintSignedUrl(input: MintSignedUrlInput): Promise<{ url: string; expiresAt: Date }> {
  const image = await input.db
    .select({
      ownerSlug: users.slug,
      albumSlug: images.albumSlug,
      filename: images.filename,
      isEncrypted: images.isEncrypted,
    })
    .from(images)
    .innerJoin(users, eq(users.id, images.ownerId))
    .where(and(eq(images.id, input.imageId), eq(images.ownerId, input.ownerId), isNull(images.deletedAt)))
    .get();
  if (!image) throw notFound('Image');
  // The CDN never serves an encrypted image on a signed URL (404), so none is minted.
  if (image.isEncrypted)
    throw conflict('This image is encrypted: share it through POST /v1/images/{id}/access-token instead');
  if (input.variant && input.variant !== 'original' && !input.enabledVariants.includes(input.variant))
    throw badRequest(`Unknown variant "${input.variant}"`, [{ path: 'variant', message: 'unknown variant' }]);
  const query = [...new URLSearchParams(input.transform ?? '').entries()];
  const parsed = parseTransformQuery(query);
  if (!parsed.ok)
    throw badRequest(
      `Invalid transform: ${parsed.issues.map((issue) => issue.message).join('; ')}`,
      parsed.issues.map((issue) => ({ ...issue, path: `transform.${issue.path}` })),
    );
  const expires = Math.floor(input.now / 1000) + input.ttlSeconds;
  const url = await signedImageUrl(
    input,
    { ownerId: input.ownerId, ...image },
    { variant: input.variant, query, expires },
  );
  return { url, expiresAt: new Date(expires * 1000) };
}
