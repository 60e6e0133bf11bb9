import { createDb, images } from '@pixelflare/database';
import { runDurableObjectAlarm } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { authed, call, createUser, errorOf, type TestUser } from '../../../test/helpers';
import { largePng } from '../../../test/fixtures/large-files';
import { b64, create, patch, tus } from '../../../test/fixtures/tus-helpers';
import { fixture } from '../../../test/fixtures/fixtures.generated';
import { sha256Hex } from '../../lib/crypto';
import { sessionOf } from '../../services/uploads/tus';

const MB = 1024 * 1024;

const offsetOf = async (user: TestUser, path: string) => {
  const head = await call(path, tus(user, { method: 'HEAD' }));
  expect(head.status).toBe(200);
  return Number(head.headers.get('Upload-Offset'));
};

describe('tus 1.0 at /v1/uploads/tus', () => {
  it('resumes an interrupted upload of several MB and stores a byte-identical image', async () => {
    const user = await createUser('tus-user');
    const file = largePng(12 * MB + 12345);
    const path = await create(user, file.length);

    // First chunk crosses a 5 MiB part boundary.
    const first = await patch(user, path, 0, file.subarray(0, 7 * MB));
    expect(first.status).toBe(204);
    expect(first.headers.get('Upload-Offset')).toBe(String(7 * MB));

    // A PATCH whose connection breaks after 2 MB: the bytes that arrived are kept.
    let sent = 0;
    const broken = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 2 * MB) {
          controller.error(new Error('connection lost'));
          return;
        }
        controller.enqueue(file.subarray(7 * MB + sent, 7 * MB + sent + 256 * 1024));
        sent += 256 * 1024;
      },
    });
    await patch(user, path, 7 * MB, broken).catch(() => undefined);
    const resumeAt = await offsetOf(user, path);
    expect(resumeAt).toBeGreaterThanOrEqual(7 * MB);
    expect(resumeAt).toBeLessThanOrEqual(9 * MB);

    // A PATCH at a stale offset is refused.
    const stale = await patch(user, path, 0, file.subarray(0, 10));
    expect(stale.status).toBe(409);

    const last = await patch(user, path, resumeAt, file.subarray(resumeAt));
    expect(last.status).toBe(204);
    expect(last.headers.get('Upload-Offset')).toBe(String(file.length));
    const imageId = last.headers.get('Pixelflare-Image-Id')!;
    expect(imageId).toMatch(/^img_/);

    const [row] = await createDb(env.DB).select().from(images).where(eq(images.id, imageId));
    expect(row).toMatchObject({ filename: 'big.png', bytes: file.length, contentType: 'image/png' });
    const stored = await env.IMAGES_BUCKET.get(row!.storageKey);
    expect(await sha256Hex(await stored!.arrayBuffer())).toBe(await sha256Hex(file));
    // The assembled object became the original: no copy, no parked tail left behind.
    const objects = (await env.IMAGES_BUCKET.list({ prefix: `${user.id}/` })).objects.map((o) => o.key);
    expect(objects).toEqual([row!.storageKey]);
  });

  it('stores a small file sent with creation-with-upload', async () => {
    const user = await createUser('tus-one-shot');
    const file = fixture('tiny.gif');
    const response = await call(
      '/v1/uploads/tus',
      tus(user, {
        method: 'POST',
        headers: {
          'Upload-Length': String(file.length),
          'Upload-Metadata': `name ${b64('dot.gif')},tags ${b64('a,b')}`,
          'Content-Type': 'application/offset+octet-stream',
        },
        body: file,
      }),
    );
    expect(response.status).toBe(201);
    expect(response.headers.get('Upload-Offset')).toBe(String(file.length));
    const imageId = response.headers.get('Pixelflare-Image-Id');
    const image = await (await call(`/v1/images/${imageId}`, authed(user.key))).json();
    expect(image).toMatchObject({ filename: 'dot.gif', tags: ['a', 'b'] });
  });

  it('stores under the real type when the declared name lies, keeping one object', async () => {
    const user = await createUser('tus-liar');
    const bytes = fixture('tiny.webp');
    const path = await create(user, bytes.length, `filename ${b64('photo.jpg')}`);
    const response = await patch(user, path, 0, bytes);
    expect(response.status).toBe(204);
    const [row] = await createDb(env.DB)
      .select()
      .from(images)
      .where(eq(images.id, response.headers.get('Pixelflare-Image-Id')!));
    expect(row).toMatchObject({ contentType: 'image/webp', filename: 'photo.webp' });
    const objects = (await env.IMAGES_BUCKET.list({ prefix: `${user.id}/` })).objects.map((o) => o.key);
    expect(objects).toEqual([row!.storageKey]);
    expect(row!.storageKey).toMatch(/original\.webp$/);
  });

  it('refuses a finished upload that is not an image and keeps nothing', async () => {
    const user = await createUser('tus-bad');
    const bytes = fixture('page.jpg');
    const path = await create(user, bytes.length, `filename ${b64('page.jpg')}`);
    const response = await patch(user, path, 0, bytes);
    expect(response.status).toBe(415);
    expect(response.headers.get('Tus-Resumable')).toBe('1.0.0');
    expect((await errorOf(response)).code).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect((await env.IMAGES_BUCKET.list({ prefix: user.id })).objects).toEqual([]);
  });

  it('terminates uploads, and hides them from other tenants', async () => {
    const user = await createUser('tus-term');
    const other = await createUser('tus-other');
    const path = await create(user, 6 * MB);
    await patch(user, path, 0, largePng(6 * MB).subarray(0, MB));
    expect((await call(path, tus(other, { method: 'HEAD' }))).status).toBe(404);
    expect((await call(path, tus(other, { method: 'DELETE' }))).status).toBe(404);
    expect((await call(path, tus(user, { method: 'DELETE' }))).status).toBe(204);
    expect((await call(path, tus(user, { method: 'HEAD' }))).status).toBe(404);
    expect((await env.IMAGES_BUCKET.list({ prefix: `${user.id}/` })).objects).toEqual([]);
  });

  it('runs two PATCHes at the same offset one after the other: one lands, the other is a 409', async () => {
    const user = await createUser('tus-race');
    const file = largePng(3 * MB);
    const path = await create(user, file.length);
    const results = await Promise.all([
      patch(user, path, 0, file.subarray(0, 2 * MB)),
      patch(user, path, 0, file.subarray(0, 2 * MB)),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([204, 409]);
    expect(await offsetOf(user, path)).toBe(2 * MB);
  });

  it('expires an abandoned upload: the alarm removes its parts and state', async () => {
    const user = await createUser('tus-expire');
    const path = await create(user, 8 * MB);
    await patch(user, path, 0, largePng(8 * MB).subarray(0, 6 * MB)); // one part + a parked tail
    expect((await env.IMAGES_BUCKET.list({ prefix: `${user.id}/` })).objects).toHaveLength(1);
    expect(await runDurableObjectAlarm(sessionOf(env.UPLOAD_SESSIONS, path.split('/').at(-1)!))).toBe(true);
    expect((await call(path, tus(user, { method: 'HEAD' }))).status).toBe(404);
    expect((await env.IMAGES_BUCKET.list({ prefix: `${user.id}/` })).objects).toEqual([]);
  });

  it('checks the protocol headers and limits', async () => {
    const user = await createUser('tus-proto');
    const noVersion = await call(
      '/v1/uploads/tus',
      authed(user.key, { method: 'POST', headers: { 'Upload-Length': '10' } }),
    );
    expect(noVersion.status).toBe(412);
    const tooBig = await call(
      '/v1/uploads/tus',
      tus(user, { method: 'POST', headers: { 'Upload-Length': String(600 * MB) } }),
    );
    expect(tooBig.status).toBe(413);
    const unknownAlbum = await call(
      '/v1/uploads/tus',
      tus(user, {
        method: 'POST',
        headers: { 'Upload-Length': '100', 'Upload-Metadata': `album ${b64('nope')}` },
      }),
    );
    expect(unknownAlbum.status).toBe(404);
    expect(unknownAlbum.headers.get('Tus-Resumable')).toBe('1.0.0');
    const path = await create(user, 100);
    const wrongType = await call(
      path,
      tus(user, {
        method: 'PATCH',
        headers: { 'Upload-Offset': '0', 'Content-Type': 'image/png' },
        body: 'x',
      }),
    );
    expect(wrongType.status).toBe(415);
  });
});
