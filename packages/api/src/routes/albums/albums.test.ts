import { createDb, images, outboxEvents } from '@pixelflare/database';
import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { authed, call, createUser, errorOf } from '../../../test/helpers';
import { fixture } from '../../../test/fixtures/fixtures.generated';
import { upload, uploadForm } from '../../../test/fixtures/upload-helpers';
import { waitFor } from '../../../test/wait-for';

const json = (method: string, body: unknown): RequestInit => ({
  method,
  headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify(body),
});

describe('/v1/albums', () => {
  it('creates an album, uploads into it, moves an image out and deletes it only when asked', async () => {
    const owner = await createUser('albums-owner');
    const created = await call(
      '/v1/albums',
      authed(owner.key, json('POST', { slug: 'trips', title: 'Trips' })),
    );
    expect(created.status).toBe(201);
    const album = (await created.json()) as { id: string; slug: string; visibility: string };
    expect(album).toMatchObject({ slug: 'trips', visibility: 'public' });
    const again = await call(
      '/v1/albums',
      authed(owner.key, json('POST', { slug: 'trips', title: 'Again' })),
    );
    expect(again.status).toBe(409);

    const uploaded = await upload(owner, uploadForm(fixture('tiny.gif'), 'dot.gif', { album: 'trips' }));
    const image = (await uploaded.json()) as { id: string; album: string; urls: { cdn: string } };
    expect(image.album).toBe('trips');
    expect(image.urls.cdn).toBe('http://localhost:8787/cdn/albums-owner/trips/dot.gif');
    const [row] = await createDb(env.DB).select().from(images).where(eq(images.id, image.id));
    expect(row!.storageKey).toBe(`${owner.id}/trips/${image.id}/original.gif`);

    const bySlug = await call('/v1/albums/trips', authed(owner.key));
    expect(await bySlug.json()).toMatchObject({ id: album.id, image_count: 1 });
    const listed = await call('/v1/images?album=trips', authed(owner.key));
    expect(((await listed.json()) as { data: { id: string }[] }).data.map((i) => i.id)).toEqual([image.id]);

    const refused = await call('/v1/albums/trips', authed(owner.key, { method: 'DELETE' }));
    expect(refused.status).toBe(409);
    const patched = await call(
      `/v1/albums/${album.id}`,
      authed(owner.key, json('PATCH', { title: 'Road trips', visibility: 'private' })),
    );
    expect(await patched.json()).toMatchObject({ title: 'Road trips', visibility: 'private' });

    const moved = await call(`/v1/images/${image.id}`, authed(owner.key, json('PATCH', { album: null })));
    expect(await moved.json()).toMatchObject({
      album: null,
      urls: { cdn: 'http://localhost:8787/cdn/albums-owner/default/dot.gif' },
    });
    expect(await (await call('/v1/albums/trips', authed(owner.key))).json()).toMatchObject({
      image_count: 0,
    });

    expect((await call('/v1/albums/trips', authed(owner.key, { method: 'DELETE' }))).status).toBe(204);
    expect((await call('/v1/albums/trips', authed(owner.key))).status).toBe(404);
    const events = await createDb(env.DB)
      .select()
      .from(outboxEvents)
      .where(eq(outboxEvents.ownerId, owner.id));
    expect(events.map((e) => e.type)).toEqual(
      expect.arrayContaining(['album.created', 'album.updated', 'album.deleted']),
    );
  });

  it("hides another tenant's albums and refuses reserved slugs", async () => {
    const owner = await createUser('album-a');
    const other = await createUser('album-b');
    await call('/v1/albums', authed(owner.key, json('POST', { slug: 'secret', title: 'Secret' })));
    expect((await call('/v1/albums/secret', authed(other.key))).status).toBe(404);
    const patch = await call('/v1/albums/secret', authed(other.key, json('PATCH', { title: 'x' })));
    expect(patch.status).toBe(404);
    const intoOthers = await upload(other, uploadForm(fixture('tiny.gif'), 'x.gif', { album: 'secret' }));
    expect(intoOthers.status).toBe(404);
    const reserved = await call(
      '/v1/albums',
      authed(owner.key, json('POST', { slug: 'default', title: 'x' })),
    );
    expect((await errorOf(reserved)).code).toBe('VALIDATION_FAILED');
    const list = (await (await call('/v1/albums', authed(other.key))).json()) as { data: unknown[] };
    expect(list.data).toEqual([]);
  });

  it('refuses a cover that is not one of your images as a 400 on the field, the same for another tenant', async () => {
    const owner = await createUser('cover-owner');
    const other = await createUser('cover-other');
    const mine = (await (await upload(owner, uploadForm(fixture('tiny.gif'), 'mine.gif'))).json()) as {
      id: string;
    };
    const theirs = (await (await upload(other, uploadForm(fixture('tiny.gif'), 'theirs.gif'))).json()) as {
      id: string;
    };
    await call('/v1/albums', authed(owner.key, json('POST', { slug: 'covers', title: 'Covers' })));

    const answers: Awaited<ReturnType<typeof errorOf>>[] = [];
    for (const cover of ['img_does_not_exist', theirs.id]) {
      const patched = await call(
        '/v1/albums/covers',
        authed(owner.key, json('PATCH', { cover_image_id: cover })),
      );
      const created = await call(
        '/v1/albums',
        authed(owner.key, json('POST', { slug: `c-${answers.length}`, title: 'x', cover_image_id: cover })),
      );
      for (const response of [patched, created]) {
        expect(response.status).toBe(400);
        answers.push(await errorOf(response));
      }
    }
    expect(answers[0]).toMatchObject({
      code: 'VALIDATION_FAILED',
      issues: [{ path: 'cover_image_id', message: 'not one of your images' }],
    });
    // Another tenant's image reads exactly like one that does not exist.
    const shape = ({ code, message, issues }: (typeof answers)[number]) => ({ code, message, issues });
    expect(answers.map(shape)).toEqual(Array(4).fill(shape(answers[0]!)));
    expect(
      ((await (await call('/v1/albums', authed(owner.key))).json()) as { data: unknown[] }).data,
    ).toHaveLength(1);

    // A missing album is still a 404, and one's own image is accepted.
    const missing = await call(
      '/v1/albums/nope',
      authed(owner.key, json('PATCH', { cover_image_id: mine.id })),
    );
    expect(missing.status).toBe(404);
    const set = await call(
      '/v1/albums/covers',
      authed(owner.key, json('PATCH', { cover_image_id: mine.id })),
    );
    expect(await set.json()).toMatchObject({ cover_image_id: mine.id });
  });

  it("carries the cover's thumbnail URL, signed once the album is private, and none once the cover is trashed", async () => {
    const owner = await createUser('cover-urls');
    await call('/v1/albums', authed(owner.key, json('POST', { slug: 'sea', title: 'Sea' })));
    const image = (await (
      await upload(owner, uploadForm(fixture('tiny.png'), 'wave.png', { album: 'sea' }))
    ).json()) as { id: string; short_id: string; urls: { cdn: string; short: string } };
    type Cover = { id: string; thumb_url: string; expires_at: string | null } | null;
    const patched = (await (
      await call('/v1/albums/sea', authed(owner.key, json('PATCH', { cover_image_id: image.id })))
    ).json()) as { cover: Cover };
    expect(patched.cover).toEqual({ id: image.id, thumb_url: `${image.urls.short}/thumb`, expires_at: null });
    expect((await call(new URL(patched.cover!.thumb_url).pathname)).status).toBe(200);

    await call('/v1/albums/sea', authed(owner.key, json('PATCH', { visibility: 'private' })));
    const listed = (await (await call('/v1/albums', authed(owner.key))).json()) as {
      data: { cover_image_id: string; cover: Cover }[];
    };
    const cover = listed.data[0]!.cover!;
    expect(listed.data[0]!.cover_image_id).toBe(image.id);
    const signed = new URL(cover.thumb_url);
    expect(signed.pathname).toBe(`${new URL(image.urls.cdn).pathname}/thumb`);
    expect(signed.searchParams.get('sig')).toBeTruthy();
    // Valid for at least an hour and at most two, and the same URL when read again (so browsers cache it).
    const left = new Date(cover.expires_at!).getTime() - Date.now();
    expect(left).toBeGreaterThan(59 * 60 * 1000);
    expect(left).toBeLessThanOrEqual(2 * 60 * 60 * 1000);
    expect(Number(signed.searchParams.get('exp')) * 1000).toBe(new Date(cover.expires_at!).getTime());
    const again = (await (await call('/v1/albums/sea', authed(owner.key))).json()) as { cover: Cover };
    expect(again.cover).toEqual(cover);
    expect((await call(`${signed.pathname}${signed.search}`)).status).toBe(200);
    // The cached public answer is purged by a queue job the PATCH started (the local queue runs it in the background).
    await waitFor(async () =>
      expect((await call(`${new URL(image.urls.short).pathname}/thumb`)).status).toBe(403),
    );

    await call(`/v1/images/${image.id}`, authed(owner.key, { method: 'DELETE' }));
    expect(await (await call('/v1/albums/sea', authed(owner.key))).json()).toMatchObject({
      cover_image_id: image.id,
      cover: null,
    });
  });
});
