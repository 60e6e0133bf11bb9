import { ALBUM_PURGE_PAGE_SIZE } from '@pixelflare/config';
import { albums, createDb } from '@pixelflare/database';
import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { fixture } from '../../test/fixtures/fixtures.generated';
import { upload, uploadForm } from '../../test/fixtures/upload-helpers';
import { authed, call, createUser } from '../../test/helpers';
import { runQueueBatch } from '../../test/queue';
import { waitFor } from '../../test/wait-for';

const json = (method: string, body: unknown): RequestInit => ({
  method,
  headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify(body),
});

/** Runs one variants-queue message; what the consumer queues next is captured instead of sent. */
async function runMessage(body: unknown) {
  const sent: unknown[] = [];
  const queue = { send: async (message: unknown) => void sent.push(message) } as unknown as Queue;
  const result = await runQueueBatch('pixelflare-variants', [body], {
    bindings: { ...env, VARIANTS_QUEUE: queue },
  });
  return { result, sent };
}

/** An album of `files` uploaded through the API, each image's preset and original then served twice (cached). */
type FixtureName = Parameters<typeof fixture>[0];

async function warmAlbum(slug: string, files: FixtureName[]) {
  const owner = await createUser(slug);
  await call('/v1/albums', authed(owner.key, json('POST', { slug: 'vault', title: 'Vault' })));
  const uploaded: { id: string; short_id: string; filename: string }[] = [];
  for (const name of files) {
    const response = await upload(owner, uploadForm(fixture(name), name, { album: 'vault' }));
    expect(response.status).toBe(201);
    uploaded.push((await response.json()) as (typeof uploaded)[number]);
  }
  uploaded.sort((a, b) => (a.id < b.id ? -1 : 1)); // pages go in id order
  const urls = uploaded.map((image) => [
    `/cdn/i/${image.short_id}/w128`,
    `/cdn/${slug}/vault/${image.filename}`,
  ]);
  for (const url of urls.flat()) {
    expect((await call(url)).status, url).toBe(200);
    expect((await call(url)).headers.get('X-Cache'), url).toBe('hit');
  }
  const [album] = await createDb(env.DB).select().from(albums).where(eq(albums.ownerId, owner.id));
  return { owner, album: album!, urls };
}

const statuses = async (urls: string[][]) =>
  Promise.all(urls.map(async (pair) => Promise.all(pair.map(async (url) => (await call(url)).status))));

describe('purge-album on the variants queue', () => {
  it('purges a page of images per message and queues the next, until an unsigned URL answers 403', async () => {
    const files: FixtureName[] = ['tiny.png', 'tiny.gif', 'tiny.webp', 'stripe.jpg'];
    expect(files.length).toBe(ALBUM_PURGE_PAGE_SIZE + 1);
    const { owner, album, urls } = await warmAlbum('purge-pages', files);
    // Made private in D1 alone (no message queued): a cache hit never reads D1, so the public answers stay.
    await createDb(env.DB).update(albums).set({ isPrivate: true }).where(eq(albums.id, album.id));
    expect(await statuses(urls)).toEqual(urls.map(() => [200, 200]));

    const first = { type: 'purge-album', ownerId: owner.id, albumId: album.id };
    const one = await runMessage(first);
    expect(one.result.explicitAcks).toHaveLength(1);
    const purgedIds = urls.slice(0, ALBUM_PURGE_PAGE_SIZE);
    expect(await statuses(urls)).toEqual([...purgedIds.map(() => [403, 403]), [200, 200]]);
    expect(one.sent).toEqual([{ ...first, after: expect.stringMatching(/^img_/) }]);

    const two = await runMessage(one.sent[0]);
    expect(two.result.explicitAcks).toHaveLength(1);
    expect(two.sent).toEqual([]); // the last page queues nothing
    expect(await statuses(urls)).toEqual(urls.map(() => [403, 403]));

    // Idempotent: a redelivered page purges again, harmlessly, and queues the same next page.
    const again = await runMessage(first);
    expect(again.sent).toEqual(one.sent);
    expect(await statuses(urls)).toEqual(urls.map(() => [403, 403]));
  });

  it('starts when the API sets an album private, so its cached answers stop being served', async () => {
    const { owner, urls } = await warmAlbum('purge-api', ['tiny.png']);
    const patched = await call(
      '/v1/albums/vault',
      authed(owner.key, json('PATCH', { visibility: 'private' })),
    );
    expect(patched.status).toBe(200);
    // The local queue delivers the message in the background.
    await waitFor(async () => expect(await statuses(urls)).toEqual([[403, 403]]));
  });

  it('drops a malformed purge message instead of retrying it', async () => {
    const { result, sent } = await runMessage({ type: 'purge-album', ownerId: '' });
    expect(result.explicitAcks).toHaveLength(1);
    expect(result.retryMessages).toEqual([]);
    expect(sent).toEqual([]);
  });
});
