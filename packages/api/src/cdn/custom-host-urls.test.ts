import { createDb, customDomains } from '@pixelflare/database';
import type { AlbumResource, ImageResource } from '@pixelflare/shared';
import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { makePng, storeImage, type StoredImage } from '../../test/fixtures/cdn/images';
import { domainBindings, fetchWith, uniqueHostname } from '../../test/fixtures/domain-helpers';
import { authed, BASE, call, createUser, type TestUser } from '../../test/helpers';

// Image resources, previews, album covers and signed URLs point at the owner's active custom domain, and what
// they point at is served there by Host routing.
const db = createDb(env.DB);
const { bindings } = domainBindings();
let dana: TestUser;
let erin: TestUser;
let beach: StoredImage;
let secret: StoredImage;
let erins: StoredImage;
const danaHost = uniqueHostname('dana');

const png = (width: number, height: number) => ({
  bytes: makePng(width, height),
  contentType: 'image/png' as const,
  width,
  height,
});

beforeAll(async () => {
  dana = await createUser('dana');
  erin = await createUser('erin');
  beach = await storeImage(dana.id, { filename: 'beach.png', album: 'holiday', ...png(64, 48) });
  secret = await storeImage(dana.id, {
    filename: 'secret.png',
    album: 'holiday',
    isPrivate: true,
    ...png(8, 8),
  });
  erins = await storeImage(erin.id, { filename: 'beach.png', album: 'holiday', ...png(32, 32) });
  await db.insert(customDomains).values({
    id: 'dom_dana',
    ownerId: dana.id,
    hostname: danaHost,
    status: 'active',
    verifiedAt: new Date(),
  });
});

const api = (user: TestUser, path: string, init: RequestInit = {}) =>
  fetchWith(bindings, `${BASE}/v1${path}`, authed(user.key, init));
const imageOf = async (user: TestUser, id: string) => {
  const response = await api(user, `/images/${id}`);
  expect(response.status).toBe(200);
  return (await response.json()) as ImageResource;
};
const served = async (url: string) => {
  const response = await fetchWith(bindings, url);
  expect(response.status, url).toBe(200);
  expect(response.headers.get('Content-Type'), url).toMatch(/^image\//);
};

describe('URLs on the owner’s custom domain', () => {
  it('GET /v1/images/{id}: urls and previews point at https://{domain}/{album}/{filename}, served there', async () => {
    const image = await imageOf(dana, beach.id);
    expect(image.urls).toEqual({
      cdn: `https://${danaHost}/holiday/beach.png`,
      short: `https://${danaHost}/i/${beach.shortId}`,
    });
    expect(image.previews).toMatchObject({
      thumb: `https://${danaHost}/i/${beach.shortId}/thumb`,
      w256: `https://${danaHost}/i/${beach.shortId}/w256`,
    });
    for (const url of [image.urls.cdn!, image.urls.short!, image.previews!.thumb, image.previews!.w256])
      await served(url);
    // The listing agrees with the single resource.
    const list = (await (await api(dana, '/images')).json()) as { data: ImageResource[] };
    expect(list.data.find((row) => row.id === beach.id)?.urls).toEqual(image.urls);
  });

  it('signs private previews and minted signed URLs for the domain, and they are served there', async () => {
    const image = await imageOf(dana, secret.id);
    expect(image.access).toBe('signed');
    const thumb = new URL(image.previews!.thumb);
    expect(`${thumb.origin}${thumb.pathname}`).toBe(`https://${danaHost}/holiday/secret.png/thumb`);
    expect(thumb.searchParams.get('sig')).toBeTruthy();
    await served(image.previews!.thumb);
    const minted = await api(dana, `/images/${secret.id}/signed-url`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ ttl: 600, variant: 'w256' }),
    });
    expect(minted.status).toBe(201);
    const { url } = (await minted.json()) as { url: string };
    expect(url.startsWith(`https://${danaHost}/holiday/secret.png/w256?`)).toBe(true);
    await served(url);
    // The plain URL of a private image is still refused there.
    expect((await fetchWith(bindings, image.urls.cdn!)).status).toBe(403);
  });

  it('album covers point at the domain', async () => {
    const created = await api(dana, '/albums', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ slug: 'covers', title: 'Covers', cover_image_id: beach.id }),
    });
    expect(created.status).toBe(201);
    const album = (await created.json()) as AlbumResource;
    expect(album.cover?.thumb_url).toBe(`https://${danaHost}/i/${beach.shortId}/thumb`);
    await served(album.cover!.thumb_url!);
  });

  it('without an active domain the URLs are unchanged, and another tenant’s domain is never used', async () => {
    const image = await imageOf(erin, erins.id);
    expect(image.urls).toEqual({
      cdn: `${BASE}/cdn/erin/holiday/beach.png`,
      short: `${BASE}/cdn/i/${erins.shortId}`,
    });
    expect(JSON.stringify(image)).not.toContain(danaHost);
    // Erin's image is not reachable through dana's domain, whatever URL form.
    expect((await fetchWith(bindings, `https://${danaHost}/i/${erins.shortId}`)).status).toBe(404);
    // A pending domain is not used either.
    const pendingHost = uniqueHostname('erin-pending');
    await db
      .insert(customDomains)
      .values({ id: 'dom_erin', ownerId: erin.id, hostname: pendingHost, status: 'pending' });
    expect((await imageOf(erin, erins.id)).urls).toEqual(image.urls);
  });

  it('with custom domains switched off, the product’s own URLs are used even for an owner with a domain', async () => {
    const response = await call(`/v1/images/${beach.id}`, authed(dana.key));
    expect(response.status).toBe(200);
    const image = (await response.json()) as ImageResource;
    expect(image.urls.cdn).toBe(`${BASE}/cdn/dana/holiday/beach.png`);
  });
});
