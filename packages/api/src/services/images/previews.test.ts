import { albums, createDb, images } from '@pixelflare/database';
import { env } from 'cloudflare:workers';
import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { loadEnv } from '../../lib/env';
import { authed, call, createUser } from '../../../test/helpers';
import { fixture } from '../../../test/fixtures/fixtures.generated';
import { seedLibrary } from '../../../test/fixtures/library';
import { upload, uploadForm } from '../../../test/fixtures/upload-helpers';
import { toAlbumResources } from '../albums/albums';
import { signingDepsOf, toImageResources } from './resource';

const json = (method: string, body: unknown): RequestInit => ({
  method,
  headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify(body),
});

interface Previews {
  thumb: string;
  w256: string;
  expires_at: string | null;
}
interface Image {
  id: string;
  access: 'public' | 'signed';
  urls: { cdn: string; short: string };
  previews: Previews;
}

const PRESETS = ['thumb', 'w256'] as const;
/** What the CDN answers for a URL the API handed out (its path and query, on this Worker). */
const fetchPreview = async (url: string) => {
  const { pathname, search } = new URL(url);
  const response = await call(`${pathname}${search}`);
  await response.body?.cancel();
  return { status: response.status, type: response.headers.get('Content-Type') ?? '' };
};

/** The owner's image view, its KV recording every key read (the signing version is the only one signing reads). */
function recordingView(owner: { id: string; slug: string }) {
  const signing = signingDepsOf(env, loadEnv(env));
  const reads: string[] = [];
  const kv = new Proxy(env.KV, {
    get: (target, name) =>
      name === 'get'
        ? (key: string) => {
            reads.push(key);
            return target.get(key);
          }
        : Reflect.get(target, name),
  });
  const view = { ownerId: owner.id, ownerSlug: owner.slug, cdn: signing.base, signing: { ...signing, kv } };
  return { view, reads };
}

describe('image previews', () => {
  it('are the plain presets of a public image, and signed ones once it is private or in a private album', async () => {
    const owner = await createUser('previews-owner');
    const uploaded = (await (
      await upload(owner, uploadForm(fixture('tiny.png'), 'dot.png'))
    ).json()) as Image;
    expect(uploaded.previews).toEqual({
      thumb: `${uploaded.urls.short}/thumb`,
      w256: `${uploaded.urls.short}/w256`,
      expires_at: null,
    });
    expect(await fetchPreview(uploaded.previews.thumb)).toMatchObject({ status: 200 });

    const made = (await (
      await call(`/v1/images/${uploaded.id}`, authed(owner.key, json('PATCH', { is_private: true })))
    ).json()) as Image;
    expect(made.access).toBe('signed');
    const listed = (await (await call('/v1/images', authed(owner.key))).json()) as { data: Image[] };
    const { previews } = listed.data[0]!;
    // The same URLs however the image is read (so browsers cache the pictures), valid one to two hours.
    expect(previews).toEqual(made.previews);
    const left = new Date(previews.expires_at!).getTime() - Date.now();
    expect(left).toBeGreaterThan(59 * 60 * 1000);
    expect(left).toBeLessThanOrEqual(2 * 60 * 60 * 1000);
    for (const preset of PRESETS) {
      const signed = new URL(previews[preset]);
      expect(signed.pathname).toBe(`${new URL(uploaded.urls.cdn).pathname}/${preset}`);
      expect(Number(signed.searchParams.get('exp')) * 1000).toBe(new Date(previews.expires_at!).getTime());
      expect(await fetchPreview(previews[preset])).toMatchObject({
        status: 200,
        type: expect.stringMatching(/^image\//),
      });
      expect((await fetchPreview(`${uploaded.urls.short}/${preset}`)).status).toBe(403);
    }

    // An image that is not private itself, in a private album, is served only signed too.
    await call(
      '/v1/albums',
      authed(owner.key, json('POST', { slug: 'hidden', title: 'Hidden', visibility: 'private' })),
    );
    const inAlbum = (await (
      await upload(owner, uploadForm(fixture('tiny.gif'), 'dot.gif', { album: 'hidden' }))
    ).json()) as Image;
    expect(inAlbum.access).toBe('signed');
    expect(new URL(inAlbum.previews.thumb).searchParams.get('sig')).toBeTruthy();
    expect(await fetchPreview(inAlbum.previews.thumb)).toMatchObject({ status: 200 });
  });

  it("read the owner's signing key from KV once for a page, not once per image", async () => {
    const owner = await createUser('previews-page');
    const { images: seeded } = await seedLibrary(
      owner.id,
      Array.from({ length: 40 }, (_, i) => ({
        filename: `p${i}.png`,
        album: 'secret',
        createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)),
      })),
      { privateAlbums: ['secret'] },
    );
    const db = createDb(env.DB);
    const rows = await db
      .select()
      .from(images)
      .where(and(eq(images.ownerId, owner.id), eq(images.albumSlug, 'secret')));
    const { view, reads } = recordingView(owner);
    const resources = await toImageResources(db, rows, view);
    expect(resources).toHaveLength(seeded.length);
    expect(resources.every((resource) => resource.access === 'signed' && resource.previews?.expires_at)).toBe(
      true,
    );
    expect(reads).toEqual([`cdn-signing-version:${owner.id}`]);
  });

  it("and private albums' cover thumbnails read that key once for a page of albums too", async () => {
    const owner = await createUser('covers-page');
    const slugs = Array.from({ length: 12 }, (_, i) => `hidden-${i}`);
    const { images: seeded } = await seedLibrary(
      owner.id,
      slugs.map((album, i) => ({
        filename: `c${i}.png`,
        album,
        createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)),
      })),
      { privateAlbums: slugs },
    );
    const db = createDb(env.DB);
    for (const image of seeded)
      await db.update(albums).set({ coverImageId: image.id }).where(eq(albums.id, image.albumId!));
    const rows = await db.select().from(albums).where(eq(albums.ownerId, owner.id));
    const { view, reads } = recordingView(owner);
    const resources = await toAlbumResources(db, rows, { ...view, now: Date.now() });
    expect(resources.map((album) => new URL(album.cover!.thumb_url!).searchParams.has('sig'))).toEqual(
      rows.map(() => true),
    );
    expect(reads).toEqual([`cdn-signing-version:${owner.id}`]);
  });
});
