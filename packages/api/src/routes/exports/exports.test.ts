import { createDb, dataExports, images, outboxEvents } from '@pixelflare/database';
import type { DataExport } from '@pixelflare/shared';
import { env } from 'cloudflare:workers';
import { and, eq } from 'drizzle-orm';
import { unzipSync } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import { makePng, storeImage } from '../../../test/fixtures/cdn/images';
import { downloaded, enableEncryption, uploadEncrypted } from '../../../test/fixtures/encryption-helpers';
import { upload, uploadForm } from '../../../test/fixtures/upload-helpers';
import { authed, BASE, call, createUser, errorOf, type TestUser } from '../../../test/helpers';
import { waitFor } from '../../../test/wait-for';
import { archiveKey, buildExport, deleteExpiredExports, entryNamesOf } from '../../services/exports/exports';
import { loadEnv } from '../../lib/env';
import { ownerImageView, signingDepsOf } from '../../services/images/resource';

const db = createDb(env.DB);
const decoder = new TextDecoder();
let alice: TestUser;
let bob: TestUser;
/** Every image of alice's an export must hold: id → the bytes `GET /v1/images/{id}/download` gives. */
const expected = new Map<string, Uint8Array>();
const STORED = 240;

const json = (method: string, body?: unknown) => ({
  method,
  headers: { 'Content-Type': 'application/json' },
  ...(body === undefined ? {} : { body: JSON.stringify(body) }),
});

async function requestExport(user: TestUser): Promise<DataExport> {
  const response = await call('/v1/me/export', authed(user.key, { method: 'POST' }));
  expect(response.status).toBe(202);
  return (await response.json()) as DataExport;
}

async function exportOf(user: TestUser, id: string): Promise<DataExport> {
  const response = await call(`/v1/me/export/${id}`, authed(user.key));
  expect(response.status).toBe(200);
  return (await response.json()) as DataExport;
}

/** Waits until the background job has finished the export, ready or failed. */
const finished = (user: TestUser, id: string) =>
  waitFor(
    async () => {
      const current = await exportOf(user, id);
      expect(['ready', 'failed']).toContain(current.status);
      return current;
    },
    // The real variants queue, shared with every test file's jobs: waitFor's allowance is sized for that.
    { interval: 250 },
  );

/** Downloads an archive through its link (no API key) and reads every entry. */
async function archiveEntries(url: string): Promise<Record<string, Uint8Array>> {
  const path = url.slice(BASE.length);
  const response = await call(path);
  expect(response.status).toBe(200);
  expect(response.headers.get('Content-Type')).toBe('application/zip');
  return unzipSync(new Uint8Array(await response.arrayBuffer()));
}

const parse = (bytes: Uint8Array | undefined) => JSON.parse(decoder.decode(bytes)) as Record<string, unknown>;

beforeAll(async () => {
  alice = await createUser('alice-export');
  bob = await createUser('bob-export');
  // Hundreds of images stored directly (distinct bytes each), then real uploads with an album, tags and a title.
  for (let i = 0; i < STORED; i++) {
    const bytes = makePng(4, 4, () => [i % 256, (i >> 8) % 256, 7]);
    const stored = await storeImage(alice.id, {
      filename: `bulk-${i}.png`,
      bytes,
      contentType: 'image/png',
      width: 4,
      height: 4,
    });
    expected.set(stored.id, bytes);
  }
  expect(
    (await call('/v1/albums', authed(alice.key, json('POST', { slug: 'trip', title: 'Trip' })))).status,
  ).toBe(201);
  const beach = makePng(30, 20, () => [200, 180, 90]);
  const uploaded = (await (
    await upload(alice, uploadForm(beach, 'beach.png', { album: 'trip', tags: 'sea,sun', title: 'Beach' }))
  ).json()) as { id: string };
  expected.set(uploaded.id, await downloaded(alice, uploaded.id));
  // Trashed images are not exported.
  const trashed = (await (await upload(alice, uploadForm(makePng(9, 9), 'gone.png'))).json()) as {
    id: string;
  };
  expect((await call(`/v1/images/${trashed.id}`, authed(alice.key, { method: 'DELETE' }))).status).toBe(204);
  // An encrypted image is exported decrypted: the bytes its owner downloads.
  await enableEncryption(alice);
  const sealed = await uploadEncrypted(
    alice,
    makePng(12, 12, () => [1, 2, 3]),
    'sealed.png',
  );
  expected.set(sealed.id, await downloaded(alice, sealed.id));
  await storeImage(bob.id, {
    filename: 'bobs.png',
    bytes: makePng(5, 5),
    contentType: 'image/png',
    width: 5,
    height: 5,
  });
});

describe('POST /v1/me/export', () => {
  let done: DataExport;

  it('builds an archive of every live original, byte for byte, with its metadata beside it', async () => {
    const queued = await requestExport(alice);
    expect(queued).toMatchObject({ status: 'queued', archives: [], image_count: 0 });
    done = await finished(alice, queued.id);
    expect(done).toMatchObject({ status: 'ready', image_count: expected.size, error: null });
    expect(done.archives).toHaveLength(1);
    const entries = await archiveEntries(done.archives[0]!.download_url);
    const rows = await db.select().from(images).where(eq(images.ownerId, alice.id));
    const originals = Object.keys(entries).filter(
      (name) => name.startsWith('images/') && !name.endsWith('.json'),
    );
    expect(originals).toHaveLength(expected.size);
    for (const [id, bytes] of expected) {
      const row = rows.find((image) => image.id === id)!;
      const names = entryNamesOf(row);
      expect(entries[names.original], names.original).toEqual(bytes);
      const metadata = parse(entries[names.metadata]);
      const api = (await (await call(`/v1/images/${id}`, authed(alice.key))).json()) as Record<
        string,
        unknown
      >;
      const { previews: _previews, ...withoutPreviews } = api;
      expect(metadata).toEqual(withoutPreviews);
    }
    expect(Object.keys(entries)).not.toContain('images/default/gone.png');
    expect(Object.keys(entries).some((name) => name.includes('bobs.png'))).toBe(false);
    const beach = parse(entries['images/trip/beach.png.json']);
    expect(beach).toMatchObject({ album: 'trip', title: 'Beach', tags: ['sea', 'sun'] });
    expect(parse(entries['manifest.json'])).toMatchObject({
      format: 'pixelflare-export',
      version: 1,
      owner: 'alice-export',
      images: expected.size,
      archives: 1,
    });
    expect((parse(entries['profile.json']) as { slug: string }).slug).toBe('alice-export');
    expect(
      (JSON.parse(decoder.decode(entries['albums.json'])) as { slug: string }[]).map((a) => a.slug),
    ).toEqual(['trip']);
    expect(JSON.parse(decoder.decode(entries['tags.json']))).toEqual(
      expect.arrayContaining([
        { name: 'sea', count: 1 },
        { name: 'sun', count: 1 },
      ]),
    );
    // Announced to webhooks with the export as the API shows it.
    const [event] = await db
      .select()
      .from(outboxEvents)
      .where(and(eq(outboxEvents.ownerId, alice.id), eq(outboxEvents.type, 'export.ready')));
    expect(event!.payload).toEqual(done);
  });

  it('lists the export, and refuses its link once altered, for another part, or after it expired', async () => {
    const list = (await (await call('/v1/me/export', authed(alice.key))).json()) as { data: DataExport[] };
    expect(list.data.map((item) => item.id)).toContain(done.id);
    const url = new URL(done.archives[0]!.download_url);
    const altered = new URL(url);
    altered.searchParams.set('sig', `${url.searchParams.get('sig')!.slice(0, -2)}AA`);
    const later = new URL(url);
    later.searchParams.set('expires', String(Number(url.searchParams.get('expires')) + 60));
    const otherPart = new URL(url.href.replace('/archives/1', '/archives/2'));
    for (const wrong of [altered, later, otherPart]) {
      const response = await call(wrong.pathname + wrong.search);
      expect(response.status, wrong.href).toBe(404);
      expect((await errorOf(response)).code).toBe('NOT_FOUND');
    }
    const malformed = await call(url.pathname);
    expect(malformed.status).toBe(400);
    await db
      .update(dataExports)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(dataExports.id, done.id));
    expect((await call(url.pathname + url.search)).status).toBe(404);
    // The cleanup then removes the archive and the row.
    expect(await deleteExpiredExports(db, env.IMAGES_BUCKET)).toBeGreaterThanOrEqual(1);
    expect(await env.IMAGES_BUCKET.head(archiveKey(alice.id, done.id, 1))).toBeNull();
    expect((await call(`/v1/me/export/${done.id}`, authed(alice.key))).status).toBe(404);
  });

  it('is one owner’s: another owner cannot read it, and a key without the account scope cannot start one', async () => {
    const mine = await requestExport(bob);
    expect((await call(`/v1/me/export/${mine.id}`, authed(alice.key))).status).toBe(404);
    const reader = await createUser('reader-export', { scopes: ['images:read'] });
    const refused = await call('/v1/me/export', authed(reader.key, { method: 'POST' }));
    expect(refused.status).toBe(403);
    expect((await errorOf(refused)).code).toBe('INSUFFICIENT_SCOPE');
    const theirs = await finished(bob, mine.id);
    const entries = await archiveEntries(theirs.archives[0]!.download_url);
    expect(Object.keys(entries).filter((name) => name.startsWith('images/'))).toEqual([
      'images/default/bobs.png',
      'images/default/bobs.png.json',
    ]);
  });

  it('runs one export at a time: a second while one is being built is a 409', async () => {
    const carol = await createUser('carol-export');
    await db.insert(dataExports).values({ id: 'exp_running_carol', ownerId: carol.id, status: 'building' });
    const response = await call('/v1/me/export', authed(carol.key, { method: 'POST' }));
    expect(response.status).toBe(409);
    expect((await errorOf(response)).message).toContain('exp_running_carol');
  });

  it('marks an export failed, with its reason and no archive left, when an original is missing', async () => {
    const dave = await createUser('dave-export');
    const lost = await storeImage(dave.id, {
      filename: 'lost.png',
      bytes: makePng(3, 3),
      contentType: 'image/png',
      width: 3,
      height: 3,
    });
    const [row] = await db.select().from(images).where(eq(images.id, lost.id));
    await env.IMAGES_BUCKET.delete(row!.storageKey);
    const failed = await finished(dave, (await requestExport(dave)).id);
    expect(failed).toMatchObject({ status: 'failed', archives: [] });
    expect(failed.error).toContain(lost.id);
    const left = await env.IMAGES_BUCKET.list({ prefix: `${dave.id}/exports/` });
    expect(left.objects).toEqual([]);
    const events = await db
      .select()
      .from(outboxEvents)
      .where(and(eq(outboxEvents.ownerId, dave.id), eq(outboxEvents.type, 'export.failed')));
    expect(events).toHaveLength(1);
  });
});

describe('an account larger than one archive', () => {
  it('splits into several archives, each a valid ZIP, uploaded in equal parts, together holding everything', async () => {
    const erin = await createUser('erin-export');
    // Incompressible bytes a little over two parts long, so one original spans three multipart parts.
    const big = new Uint8Array(11 * 1024 * 1024);
    for (let offset = 0; offset < big.length; offset += 65_536)
      crypto.getRandomValues(big.subarray(offset, offset + 65_536));
    const ids: string[] = [];
    for (const [i, bytes] of [big, makePng(6, 6), makePng(7, 7), makePng(8, 8)].entries())
      ids.push(
        (
          await storeImage(erin.id, {
            filename: `part-${i}.png`,
            bytes,
            contentType: 'image/png',
            width: 6,
            height: 6,
          })
        ).id,
      );
    const id = 'exp_split_erin';
    await db.insert(dataExports).values({ id, ownerId: erin.id });
    const config = loadEnv(env);
    const view = await ownerImageView(db, erin.id, signingDepsOf(env, config));
    const result = await buildExport(
      {
        db,
        bucket: env.IMAGES_BUCKET,
        encryption: { db, config },
        view,
        links: { apiUrl: BASE, secret: env.API_HASH_SECRET },
        // The big original fills the first archive; the small ones share the second.
        archiveMaxBytes: big.length + 1024,
        partBytes: 5 * 1024 * 1024,
      },
      id,
    );
    expect(result).toEqual({ ok: true });
    const ready = await exportOf(erin, id);
    expect(ready.archives.map((archive) => archive.images)).toEqual([1, 3]);
    const first = await archiveEntries(ready.archives[0]!.download_url);
    const second = await archiveEntries(ready.archives[1]!.download_url);
    expect(first['images/default/part-0.png']).toEqual(big);
    expect(Object.keys(first)).toContain('albums.json');
    expect(Object.keys(first)).not.toContain('manifest.json');
    expect(parse(second['manifest.json'])).toMatchObject({ images: 4, archives: 2 });
    expect(
      Object.keys(second)
        .filter((name) => name.endsWith('.png'))
        .sort(),
    ).toEqual(['images/default/part-1.png', 'images/default/part-2.png', 'images/default/part-3.png']);
    expect(ready.bytes).toBe(ready.archives[0]!.bytes + ready.archives[1]!.bytes);
  });
});
