import { VARIANT_NAMES } from '@pixelflare/config';
import { createDb, imageVariants, outboxEvents } from '@pixelflare/database';
import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeJpeg, makeOrientedJpeg, storeImage, type StoredImage } from '../../test/fixtures/cdn/images';
import { call, createUser, type TestUser } from '../../test/helpers';
import { runQueueBatch } from '../../test/queue';
import { readImageHeader } from '../engines/image-size';

let owner: TestUser;
let image: StoredImage;

const runBatch = (body: unknown) => runQueueBatch('pixelflare-variants', [body]);

beforeAll(async () => {
  owner = await createUser('vera');
  image = await storeImage(owner.id, {
    filename: 'hills.jpg',
    bytes: makeJpeg(1600, 1200),
    contentType: 'image/jpeg',
    width: 1600,
    height: 1200,
  });
});

describe('variants queue', () => {
  it('renders the requested presets in WebP and AVIF (WebP only above 1200 px), then announces them', async () => {
    const result = await runBatch({
      type: 'generate',
      imageId: image.id,
      ownerId: owner.id,
      variants: ['w128', 'thumb', 'w1536'],
    });
    expect(result.explicitAcks).toHaveLength(1);
    expect(result.retryMessages).toHaveLength(0);

    const db = createDb(env.DB);
    const rows = await db.select().from(imageVariants).where(eq(imageVariants.imageId, image.id));
    const summary = rows
      .map((row) => `${row.name}.${row.format}:${row.width}x${row.height}:${row.status}`)
      .sort();
    expect(summary).toEqual([
      'thumb.avif:128x128:ready',
      'thumb.webp:128x128:ready',
      'w128.avif:128x96:ready',
      'w128.webp:128x96:ready',
      'w1536.webp:1536x1152:ready',
    ]);
    for (const row of rows) {
      const object = await env.IMAGES_BUCKET.get(row.storageKey!);
      const header = readImageHeader(new Uint8Array(await object!.arrayBuffer()));
      expect(header).toEqual({ format: row.format, width: row.width, height: row.height });
    }
    const events = await db.select().from(outboxEvents).where(eq(outboxEvents.ownerId, owner.id));
    expect(events).toHaveLength(1);
    expect(events[0]!.type).toBe('image.variants_ready');
    expect(events[0]!.payload).toMatchObject({ id: image.id, filename: 'hills.jpg' });
  });

  it('is idempotent: a redelivered message renders and announces nothing again', async () => {
    const db = createDb(env.DB);
    const before = await db.select().from(imageVariants).where(eq(imageVariants.imageId, image.id));
    await runBatch({ type: 'generate', imageId: image.id, ownerId: owner.id, variants: ['w128', 'thumb'] });
    const after = await db.select().from(imageVariants).where(eq(imageVariants.imageId, image.id));
    expect(after.map((row) => row.updatedAt.getTime())).toEqual(before.map((row) => row.updatedAt.getTime()));
    expect(await db.select().from(outboxEvents).where(eq(outboxEvents.ownerId, owner.id))).toHaveLength(1);
  });

  it('announces a render exactly once when the first attempt fails to write the event', async () => {
    const user = await createUser('vic');
    const photo = await storeImage(user.id, {
      filename: 'dunes.jpg',
      bytes: makeJpeg(800, 600),
      contentType: 'image/jpeg',
      width: 800,
      height: 600,
    });
    const db = createDb(env.DB);
    const message = { type: 'generate', imageId: photo.id, ownerId: user.id, variants: ['w128', 'thumb'] };
    // A real D1 failure of the event's insert, for this owner only (as a crash before the write would be).
    await env.DB.prepare(
      `CREATE TRIGGER fail_vic_outbox BEFORE INSERT ON outbox_events WHEN NEW.owner_id = '${user.id}'
       BEGIN SELECT RAISE(ABORT, 'outbox unavailable'); END`,
    ).run();
    try {
      expect((await runBatch(message)).retryMessages).toHaveLength(1);
    } finally {
      await env.DB.prepare('DROP TRIGGER fail_vic_outbox').run();
    }
    const folder = photo.storageKey.slice(0, photo.storageKey.lastIndexOf('/') + 1);
    const storedAfterFailure = (await env.IMAGES_BUCKET.list({ prefix: folder })).objects;

    // The queue redelivers the message, and once more for good measure.
    expect((await runBatch(message)).explicitAcks).toHaveLength(1);
    expect((await runBatch(message)).explicitAcks).toHaveLength(1);

    const events = await db.select().from(outboxEvents).where(eq(outboxEvents.ownerId, user.id));
    expect(events.map((event) => event.type)).toEqual(['image.variants_ready']);
    const rows = await db.select().from(imageVariants).where(eq(imageVariants.imageId, photo.id));
    const names = rows.map((row) => `${row.name}.${row.format}`).sort();
    expect(names).toEqual(['thumb.avif', 'thumb.webp', 'w128.avif', 'w128.webp']);
    expect(events[0]!.payload).toMatchObject({ id: photo.id, variants: names });
    for (const row of rows) {
      const object = await env.IMAGES_BUCKET.head(row.storageKey!);
      expect({ width: row.width, height: row.height, bytes: row.bytes }).toEqual({
        width: Number(object!.customMetadata!.width),
        height: Number(object!.customMetadata!.height),
        bytes: object!.size,
      });
    }
    // What the failed attempt rendered was listed, not rendered again.
    const storedNow = (await env.IMAGES_BUCKET.list({ prefix: folder })).objects;
    expect(storedNow.map((object) => [object.key, object.etag])).toEqual(
      storedAfterFailure.map((object) => [object.key, object.etag]),
    );
  });

  it('lets the CDN serve a pre-rendered preset from storage, without the engine', async () => {
    const response = await call('/cdn/vera/default/hills.jpg/thumb', { headers: { Accept: 'image/avif' } });
    expect(response.headers.get('X-Cache')).toBe('stored');
    expect(readImageHeader(new Uint8Array(await response.arrayBuffer()))).toEqual({
      format: 'avif',
      width: 128,
      height: 128,
    });
  });

  it('acknowledges a malformed message or a missing image instead of retrying forever', async () => {
    expect((await runBatch({ type: 'nonsense' })).explicitAcks).toHaveLength(1);
    expect(
      (await runBatch({ type: 'generate', imageId: 'img_gone', ownerId: owner.id })).explicitAcks,
    ).toHaveLength(1);
  });
});

describe('the job and the CDN resolve a preset alike', () => {
  const ACCEPTS = { avif: 'image/avif,image/webp,*/*', webp: 'image/webp,*/*' } as const;

  it('on an EXIF-rotated photo: every preset the job renders is what the CDN finds stored, per Accept', async () => {
    const user = await createUser('ulrich');
    // Stored 1300×300 with orientation 6, seen (and recorded) as 300×1300: laid out on the stored size,
    // w1536 and w2048 would be 1300 px wide and WebP; on the size people see they are 300 px and AVIF.
    const photo = await storeImage(user.id, {
      filename: 'tower.jpg',
      bytes: makeOrientedJpeg(6, 300, 1300),
      contentType: 'image/jpeg',
      width: 300,
      height: 1300,
    });
    await runBatch({ type: 'generate', imageId: photo.id, ownerId: user.id });
    const rows = await createDb(env.DB)
      .select()
      .from(imageVariants)
      .where(eq(imageVariants.imageId, photo.id));
    const rendered = new Set(rows.map((row) => `${row.name}.${row.format}`));
    expect(rendered).toContain('w2048.avif');
    for (const preset of VARIANT_NAMES) {
      for (const format of ['avif', 'webp'] as const) {
        const response = await call(`/cdn/i/${photo.shortId}/${preset}`, {
          headers: { Accept: ACCEPTS[format] },
        });
        const served = readImageHeader(new Uint8Array(await response.arrayBuffer()))!;
        const row = rows.find((candidate) => candidate.name === preset && candidate.format === served.format);
        expect(response.headers.get('X-Cache'), `${preset} for ${format}`).toBe('stored');
        expect(served.format, `${preset} for ${format}`).toBe(format);
        expect(row, `${preset}.${served.format}`).toBeDefined();
        expect({ width: served.width, height: served.height }).toEqual({
          width: row!.width,
          height: row!.height,
        });
      }
    }
  });

  it('lays out a rotate=90 on the turned size, so its format follows the width it comes out at', async () => {
    const user = await createUser('ursula');
    const wide = await storeImage(user.id, {
      filename: 'wide.jpg',
      bytes: makeJpeg(1300, 300),
      contentType: 'image/jpeg',
      width: 1300,
      height: 300,
    });
    const response = await call(`/cdn/i/${wide.shortId}/w2048?rotate=90`, {
      headers: { Accept: ACCEPTS.avif },
    });
    expect(response.status).toBe(200);
    // Turned, it is 300 px wide: within AVIF's width limit (1200 px), where the unturned 1300 px is not.
    expect(readImageHeader(new Uint8Array(await response.arrayBuffer()))).toEqual({
      format: 'avif',
      width: 300,
      height: 1300,
    });
  });
});
