import { ACCOUNT_DELETION } from '@pixelflare/config';
import { createDb, users } from '@pixelflare/database';
import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { makePng, storeImage } from '../../../test/fixtures/cdn/images';
import { fixture } from '../../../test/fixtures/fixtures.generated';
import { upload, uploadForm } from '../../../test/fixtures/upload-helpers';
import { authed, call, createUser, errorOf, type TestUser } from '../../../test/helpers';
import { waitFor } from '../../../test/wait-for';
import { rotateSigningSecret } from '../../services/variants/signing';

const db = createDb(env.DB);
let leaving: TestUser;
let staying: TestUser;
let cachedUrl = '';
let stayingUrl = '';
const sharedPaths: string[] = [];

const json = (method: string, body: unknown) => ({
  method,
  headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify(body),
});

/** Every table (FTS included) with an owner_id column, and how many of its rows are `ownerId`'s. */
async function rowsOwnedBy(ownerId: string): Promise<Record<string, number>> {
  const tables = await env.DB.prepare(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE '%owner_id%' AND name NOT LIKE '%fts_%'",
  ).all<{ name: string }>();
  const counts: Record<string, number> = {};
  for (const { name } of tables.results) {
    const row = await env.DB.prepare(`SELECT count(*) AS n FROM "${name}" WHERE owner_id = ?`)
      .bind(ownerId)
      .first<{ n: number }>();
    counts[name] = row!.n;
  }
  return counts;
}

async function kvKeysMentioning(...needles: string[]): Promise<string[]> {
  const found: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await env.KV.list({ cursor });
    found.push(...page.keys.map((key) => key.name).filter((name) => needles.some((n) => name.includes(n))));
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor);
  return found;
}

beforeAll(async () => {
  leaving = await createUser('leaving-owner');
  staying = await createUser('staying-owner');
  // More than a few pages of images: stored directly, plus real uploads with renditions, albums, tags and a trash.
  for (let i = 0; i < ACCOUNT_DELETION.imagesPerStep * 3 + 5; i++)
    await storeImage(leaving.id, {
      filename: `bulk-${i}.png`,
      bytes: makePng(6, 6),
      contentType: 'image/png',
      width: 6,
      height: 6,
    });
  await call('/v1/albums', authed(leaving.key, json('POST', { slug: 'trip', title: 'Trip' })));
  const uploaded = (await (
    await upload(leaving, uploadForm(fixture('tiny.png'), 'wave.png', { album: 'trip', tags: 'sea,sun' }))
  ).json()) as { id: string; urls: { cdn: string } };
  const second = (await (await upload(leaving, uploadForm(fixture('tiny.webp'), 'gone.webp'))).json()) as {
    id: string;
  };
  await call(`/v1/images/${second.id}`, authed(leaving.key, { method: 'DELETE' }));
  await call(`/v1/images/${uploaded.id}/favourite`, authed(leaving.key, { method: 'PUT' }));
  await call('/v1/webhooks', authed(leaving.key, json('POST', { url: 'https://hooks.example.com/in' })));
  // Share links to an image and to an album (one-time, so a view leaves its events in the outbox too).
  for (const target of [{ image_id: uploaded.id, max_views: 1 }, { album: 'trip' }]) {
    const shared = await call('/v1/share-links', authed(leaving.key, json('POST', target)));
    expect(shared.status).toBe(201);
    const { url } = (await shared.json()) as { url: string };
    sharedPaths.push(new URL(url).pathname);
    expect((await call(sharedPaths.at(-1)!)).status).toBe(200);
  }
  await call(
    '/v1/hotlink',
    authed(
      leaving.key,
      json('PUT', { enabled: true, allowed_referrers: ['blog.example.com'], allow_empty_referrer: true }),
    ),
  );
  await rotateSigningSecret(env.KV, leaving.id);
  // A cached public answer (a miss, then a hit) that must stop being served.
  cachedUrl = new URL(uploaded.urls.cdn).pathname + '/w128';
  expect((await call(cachedUrl)).status).toBe(200);
  expect((await call(cachedUrl)).headers.get('X-Cache')).toBe('hit');
  const kept = (await (await upload(staying, uploadForm(fixture('tiny.png'), 'mine.png'))).json()) as {
    urls: { cdn: string };
  };
  stayingUrl = new URL(kept.urls.cdn).pathname;
});

describe('DELETE /v1/me', () => {
  it('refuses without the owner name typed, and changes nothing', async () => {
    for (const body of [{ confirm: 'someone-else' }, { confirm: '' }]) {
      const response = await call('/v1/me', authed(leaving.key, json('DELETE', body)));
      expect(response.status).toBe(400);
      expect((await errorOf(response)).issues?.map((issue) => issue.path)).toEqual(['confirm']);
    }
    expect((await call('/v1/me', authed(leaving.key, json('DELETE', {})))).status).toBe(400);
    expect((await call('/v1/me', authed(leaving.key))).status).toBe(200);
  });

  it('needs the account scope', async () => {
    const reader = await createUser('reader-only', { scopes: ['images:read'] });
    const response = await call('/v1/me', authed(reader.key, json('DELETE', { confirm: 'reader-only' })));
    expect(response.status).toBe(403);
  });

  it('disables the account at once, then leaves nothing of it in D1, R2 or KV, and nobody else loses anything', async () => {
    const before = await rowsOwnedBy(leaving.id);
    expect(before.images).toBeGreaterThan(ACCOUNT_DELETION.imagesPerStep * 3);
    expect(before.share_links).toBe(2);
    expect((await env.IMAGES_BUCKET.list({ prefix: `${leaving.id}/` })).objects.length).toBeGreaterThan(0);
    expect(await kvKeysMentioning(leaving.id, 'leaving-owner')).not.toEqual([]);

    const response = await call('/v1/me', authed(leaving.key, json('DELETE', { confirm: 'leaving-owner' })));
    expect(response.status).toBe(202);
    expect(await response.json()).toMatchObject({ status: 'deleting' });
    // Its keys stop working immediately.
    expect((await call('/v1/me', authed(leaving.key))).status).toBe(401);

    // The queue deletes a page of images per message; the account row goes last.
    await waitFor(
      async () =>
        expect(await db.select({ id: users.id }).from(users).where(eq(users.id, leaving.id))).toEqual([]),
      { timeout: 120_000 },
    );
    const after = await rowsOwnedBy(leaving.id);
    expect(Object.entries(after).filter(([, n]) => n > 0)).toEqual([]);
    expect((await env.IMAGES_BUCKET.list({ prefix: `${leaving.id}/` })).objects).toEqual([]);
    expect(await kvKeysMentioning(leaving.id, 'leaving-owner')).toEqual([]);
    expect((await call(cachedUrl)).status).toBe(404);
    expect((await call('/u/leaving-owner')).status).toBe(404);
    for (const path of sharedPaths) expect((await call(path)).status).toBe(404);

    // The other tenant is untouched.
    expect((await call(stayingUrl)).status).toBe(200);
    expect((await rowsOwnedBy(staying.id)).images).toBe(1);
    expect((await call('/v1/me', authed(staying.key))).status).toBe(200);
  });
});
