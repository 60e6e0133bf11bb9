import { createDb, images, uploadTokens } from '@pixelflare/database';
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { fixture } from '../../../test/fixtures/fixtures.generated';
import { BASE, authed, call, createUser, type TestUser } from '../../../test/helpers';
import { createApp } from '../../app';

const db = () => createDb(env.DB);
const json = (body: unknown, init: RequestInit = {}): RequestInit => ({
  ...init,
  headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify(body),
});
/** The ids of the owner's listed images. */
const listed = async (user: TestUser) =>
  ((await (await call('/v1/images', authed(user.key))).json()) as { data: { id: string }[] }).data.map(
    (image) => image.id,
  );

const CDN_HOST = 'img.example.test';

describe('two-step upload', () => {
  it('stores the bytes PUT to the upload URL once, with the metadata given first', async () => {
    const user = await createUser('twostep');
    const start = await call(
      '/v1/images',
      authed(user.key, json({ filename: 'sunset.jpg', title: 'Sunset', tags: ['sky'] }, { method: 'POST' })),
    );
    expect(start.status).toBe(201);
    const { id, upload_url, expires_at } = (await start.json()) as {
      id: string;
      upload_url: string;
      expires_at: string;
    };
    expect(new Date(expires_at).getTime() - Date.now()).toBeGreaterThan(14 * 60 * 1000);
    // Hidden until the bytes arrive.
    expect(await listed(user)).toEqual([]);

    const path = upload_url.replace('http://localhost:8787', '');
    const put = await call(path, { method: 'PUT', body: fixture('stripe.jpg') });
    expect(put.status).toBe(201);
    expect(await put.json()).toMatchObject({ id, filename: 'sunset.jpg', title: 'Sunset', tags: ['sky'] });

    const reused = await call(path, { method: 'PUT', body: fixture('stripe.jpg') });
    expect(reused.status).toBe(403);
    const [token] = await db().select().from(uploadTokens).where(eq(uploadTokens.imageId, id));
    expect(token!.tokenHash).not.toContain(new URL(upload_url).searchParams.get('token'));
  });

  it('refuses an expired token and leaves nothing behind when the bytes are bad', async () => {
    const user = await createUser('twostep-bad');
    const start = async () =>
      (await (await call('/v1/images', authed(user.key, json({}, { method: 'POST' })))).json()) as {
        id: string;
        upload_url: string;
      };
    const expired = await start();
    await db()
      .update(uploadTokens)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(uploadTokens.imageId, expired.id));
    const late = await call(expired.upload_url.replace('http://localhost:8787', ''), {
      method: 'PUT',
      body: fixture('tiny.png'),
    });
    expect(late.status).toBe(403);

    const bad = await start();
    const response = await call(bad.upload_url.replace('http://localhost:8787', ''), {
      method: 'PUT',
      body: fixture('page.jpg'),
    });
    expect(response.status).toBe(415);
    const rows = await db().select().from(images).where(eq(images.id, bad.id));
    expect(rows).toEqual([]);
    expect((await env.IMAGES_BUCKET.list({ prefix: `${user.id}/` })).objects).toEqual([]);
  });

  it('with CDN_HOSTNAME set, the PUT answer is GET /v1/images/:id, urls on the CDN host', async () => {
    const app = createApp();
    const bindings = { ...env, CDN_HOSTNAME: CDN_HOST };
    const fetchWith = async (path: string, init: RequestInit = {}) => {
      const ctx = createExecutionContext();
      const response = await app.fetch(new Request(BASE + path, init), bindings, ctx);
      await waitOnExecutionContext(ctx);
      return response;
    };
    const owner = await createUser('two-step-cdn');
    const started = await fetchWith(
      '/v1/images',
      authed(owner.key, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ filename: 'sunset.jpg', tags: ['sky'] }),
      }),
    );
    expect(started.status).toBe(201);
    const { id, upload_url } = (await started.json()) as { id: string; upload_url: string };

    const put = await fetchWith(upload_url.replace(BASE, ''), { method: 'PUT', body: fixture('stripe.jpg') });
    expect(put.status).toBe(201);
    const { duplicate, ...answered } = (await put.json()) as { duplicate: boolean; urls: { cdn: string } };
    expect(duplicate).toBe(false);
    expect(answered.urls.cdn).toBe(`https://${CDN_HOST}/two-step-cdn/default/sunset.jpg`);

    const got = await fetchWith(`/v1/images/${id}`, authed(owner.key));
    expect(answered).toEqual(await got.json());
  });
});
