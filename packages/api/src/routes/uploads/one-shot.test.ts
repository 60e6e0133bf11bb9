import { INGEST_MEMORY_LIMIT_BYTES, MB } from '@pixelflare/config';
import { createDb, images, outboxEvents, users } from '@pixelflare/database';
import { env } from 'cloudflare:workers';
import exifr from 'exifr';
import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { authed, call, createUser, errorOf, type TestUser } from '../../../test/helpers';
import { fixture, type FixtureName } from '../../../test/fixtures/fixtures.generated';
import { largeJpeg } from '../../../test/fixtures/large-files';
import { upload, uploadForm } from '../../../test/fixtures/upload-helpers';
import { loadEnv } from '../../lib/env';
import { ingestDepsFrom, ingestImage } from '../../services/ingest/ingest';

interface UploadedImage {
  id: string;
  short_id: string;
  filename: string;
  album: string | null;
  content_type: string;
  width: number;
  height: number;
  bytes: number;
  tags: string[];
  duplicate: boolean;
  exif: { kept: string[]; stripped: string[] } | null;
  urls: { cdn: string; short: string };
}

async function storedObjectCount(prefix: string): Promise<number> {
  return (await env.IMAGES_BUCKET.list({ prefix })).objects.length;
}

describe('POST /v1/upload', () => {
  let alice: TestUser;
  beforeAll(async () => {
    alice = await createUser('alice');
  });

  it('stores a JPEG without GPS or identifying EXIF, keeping orientation, and answers with CDN URLs', async () => {
    const response = await upload(
      alice,
      uploadForm(fixture('photo-gps.jpg'), 'Beach Day.jpeg', { title: 'Beach', tags: 'Summer, beach' }),
    );
    expect(response.status).toBe(201);
    const image = (await response.json()) as UploadedImage;
    expect(image).toMatchObject({
      filename: 'Beach-Day.jpg',
      content_type: 'image/jpeg',
      width: 2,
      height: 2,
      duplicate: false,
      tags: ['beach', 'summer'],
    });
    // The answer is the image exactly as GET /v1/images/:id shows it (tags in the same order), plus `duplicate`.
    const read = await call(`/v1/images/${image.id}`, authed(alice.key));
    const { duplicate: _duplicate, ...resource } = image;
    expect(resource).toEqual(await read.json());
    expect(image.short_id).toMatch(/^[a-z2-9]{6}$/);
    expect(image.urls.cdn).toBe('http://localhost:8787/cdn/alice/default/Beach-Day.jpg');
    expect(image.urls.short).toBe(`http://localhost:8787/cdn/i/${image.short_id}`);
    expect(image.exif?.stripped).toContain('GPSLatitude');

    const db = createDb(env.DB);
    const [row] = await db.select().from(images).where(eq(images.id, image.id));
    const object = await env.IMAGES_BUCKET.get(row!.storageKey);
    expect(row!.storageKey).toBe(`${alice.id}/default/${image.id}/original.jpg`);
    const stored = new Uint8Array(await object!.arrayBuffer());
    expect(stored.length).toBe(image.bytes);
    const tags = await exifr.parse(stored, { gps: true, translateValues: false });
    expect(tags).toEqual({ Orientation: 6 });

    const [owner] = await db.select().from(users).where(eq(users.id, alice.id));
    expect(owner).toMatchObject({ imageCount: 1, storageBytes: image.bytes });
    const events = await db.select().from(outboxEvents).where(eq(outboxEvents.ownerId, alice.id));
    expect(events.map((event) => event.type)).toEqual(['image.uploaded']);
  });

  it('returns the existing image for the same bytes, unless allow_duplicate=true', async () => {
    const bob = await createUser('bob-dup');
    const first = (await (
      await upload(bob, uploadForm(fixture('tiny.png'), 'a.png'))
    ).json()) as UploadedImage;
    const again = await upload(bob, uploadForm(fixture('tiny.png'), 'b.png'));
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ id: first.id, duplicate: true });

    const copy = await upload(bob, uploadForm(fixture('tiny.png'), 'a.png'), '?allow_duplicate=true');
    expect(copy.status).toBe(201);
    const second = (await copy.json()) as UploadedImage;
    expect(second.id).not.toBe(first.id);
    // Same name in the same album: the second gets its short id appended.
    expect(second.filename).toBe(`a-${second.short_id}.png`);
    expect(await storedObjectCount(`${bob.id}/`)).toBe(2);
  });

  it.each([
    ['the same name', 'race.png', 'race.png'],
    ['different names', 'race-a.png', 'race-b.png'],
  ])(
    'stores two concurrent uploads of the same bytes under %s once, answering the second as a duplicate',
    async (_case, firstName, secondName) => {
      const user = await createUser(`race-${firstName}-${secondName}`);
      const answers = await Promise.all(
        [firstName, secondName].map((name) =>
          upload(user, uploadForm(fixture('tiny.png'), name, { tags: 'race' })),
        ),
      );
      // Exactly like the sequential case: one 201 with the new image, one 200 naming that same image.
      expect(answers.map((answer) => answer.status).sort()).toEqual([200, 201]);
      const [created, duplicate] = (await Promise.all(answers.map((answer) => answer.json()))).sort(
        (a, b) => Number((a as UploadedImage).duplicate) - Number((b as UploadedImage).duplicate),
      ) as UploadedImage[];
      expect(duplicate).toEqual({ ...created, duplicate: true });
      const read = await call(`/v1/images/${created!.id}`, authed(user.key));
      expect({ ...((await read.json()) as object), duplicate: false }).toEqual(created);

      const db = createDb(env.DB);
      const rows = await db.select().from(images).where(eq(images.ownerId, user.id));
      expect(rows.map((row) => row.id)).toEqual([created!.id]);
      expect(await storedObjectCount(`${user.id}/`)).toBe(1);
      const [owner] = await db.select().from(users).where(eq(users.id, user.id));
      expect(owner).toMatchObject({ imageCount: 1, storageBytes: created!.bytes });
      const events = await db.select().from(outboxEvents).where(eq(outboxEvents.ownerId, user.id));
      expect(events.map((event) => event.type)).toEqual(['image.uploaded']);
    },
  );

  const refusals: [FixtureName, string, number, string][] = [
    ['truncated.jpg', 'photo.jpg', 422, 'UNPROCESSABLE_IMAGE'],
    ['random.png', 'random.png', 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['page.jpg', 'page.jpg', 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['gif-script.gif', 'anim.gif', 422, 'UNPROCESSABLE_IMAGE'],
    ['bomb-30000.png', 'bomb.png', 422, 'IMAGE_TOO_LARGE'],
    ['bomb-100000.png', 'huge.png', 422, 'UNPROCESSABLE_IMAGE'],
    ['script.svg', 'logo.svg', 422, 'UNPROCESSABLE_IMAGE'],
    ['tiny.png', '../../etc/passwd', 400, 'BAD_REQUEST'],
  ];
  it.each(refusals)(
    'refuses %s sent as %s with %i %s and stores nothing',
    async (name, filename, status, code) => {
      const user = await createUser(`bad-${name.replace(/\W/g, '')}-${status}`);
      const response = await upload(user, uploadForm(fixture(name), filename));
      expect(response.status).toBe(status);
      expect((await errorOf(response)).code).toBe(code);
      expect(await storedObjectCount(`${user.id}/`)).toBe(0);
      const rows = await createDb(env.DB).select().from(images).where(eq(images.ownerId, user.id));
      expect(rows).toEqual([]);
    },
  );

  it('refuses an empty file and an unknown album without storing anything', async () => {
    const user = await createUser('carol-bad');
    const empty = await upload(user, uploadForm(new Uint8Array(), 'empty.png'));
    expect(empty.status).toBe(400);
    const unknownAlbum = await upload(user, uploadForm(fixture('tiny.gif'), 'x.gif', { album: 'nope' }));
    expect(unknownAlbum.status).toBe(404);
    expect(await storedObjectCount(`${user.id}/`)).toBe(0);
  });

  /** The 413 a one-shot upload over its cap answers: it says the limit and where larger files go. */
  async function expectOneShotTooLarge(response: Response) {
    expect(response.status).toBe(413);
    const error = await errorOf(response);
    expect(error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(error.message).toContain(`${INGEST_MEMORY_LIMIT_BYTES / MB} MB`);
    expect(error.message).toContain('POST /v1/images');
    expect(error.message).toContain('/v1/uploads/tus');
  }

  it('refuses a declared body above the in-memory limit with 413 before parsing it', async () => {
    // The body is not a valid form: parsing it would answer 400, so the 413 comes from the declared length.
    const response = await call(
      '/v1/upload',
      authed(alice.key, {
        method: 'POST',
        headers: {
          'Content-Type': 'multipart/form-data; boundary=x',
          'Content-Length': String(INGEST_MEMORY_LIMIT_BYTES + 1 * MB),
        },
        body: '--x--',
      }),
    );
    await expectOneShotTooLarge(response);
  });

  it('refuses a file above the in-memory limit inside a form within the framing allowance, storing nothing', async () => {
    const user = await createUser('one-shot-over-cap');
    const file = largeJpeg(INGEST_MEMORY_LIMIT_BYTES + 1024);
    await expectOneShotTooLarge(await upload(user, uploadForm(file, 'big.jpg')));
    expect(await storedObjectCount(`${user.id}/`)).toBe(0);
    expect(await createDb(env.DB).select().from(images).where(eq(images.ownerId, user.id))).toEqual([]);
  });

  it('cuts off a form sent without a length once it passes the limit', async () => {
    const form = new Response(uploadForm(largeJpeg(INGEST_MEMORY_LIMIT_BYTES + MB), 'big.jpg'));
    const response = await call(
      '/v1/upload',
      authed(alice.key, {
        method: 'POST',
        headers: { 'Content-Type': form.headers.get('Content-Type')! },
        body: form.body,
        duplex: 'half',
      } as RequestInit),
    );
    await expectOneShotTooLarge(response);
  });

  it('needs the images:write scope', async () => {
    const reader = await createUser('reader-only', { scopes: ['images:read'] });
    const response = await upload(reader, uploadForm(fixture('tiny.png'), 'a.png'));
    expect(response.status).toBe(403);
    expect((await errorOf(response)).code).toBe('INSUFFICIENT_SCOPE');
  });

  it('refuses uploads past the plan quota when usage limits are on', async () => {
    const user = await createUser('quota-user');
    const db = createDb(env.DB);
    // Free plan: 100 images, 1% grace → the 102nd is refused.
    await db.update(users).set({ imageCount: 101 }).where(eq(users.id, user.id));
    const attempt = ingestImage(ingestDepsFrom(db, env, { ...loadEnv(env), USAGE_LIMITS_ENABLED: true }), {
      ownerId: user.id,
      bytes: fixture('tiny.webp'),
      metadata: {},
      way: 'one-shot',
    });
    await expect(attempt).rejects.toMatchObject({ status: 403, code: 'QUOTA_EXCEEDED' });
    expect(await storedObjectCount(`${user.id}/`)).toBe(0);
  });
});
