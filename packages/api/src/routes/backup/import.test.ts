import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { configBody, freshPrefix, jsonInit } from '../../../test/backup-helpers';
import { fixture } from '../../../test/fixtures/fixtures.generated';
import { upload, uploadForm } from '../../../test/fixtures/upload-helpers';
import { authed, call, createUser, type TestUser } from '../../../test/helpers';
import { waitFor } from '../../../test/wait-for';

/**
 * Restore of everything into an empty instance: the owner's rows and R2 objects are wiped (as a lost database and
 * bucket would leave them), then POST /v1/backup/import rebuilds them from the backup bucket's sidecars on the
 * real SigV4-checking S3 server, and every image is served again at the same URLs.
 */

interface ImportResult {
  imported: string[];
  present: string[];
  failed: { id: string; reason: string }[];
  more: boolean;
  next: string | null;
}

interface Row {
  id: string;
  short_id: string;
  storage_key: string;
  album_slug: string;
  status: string;
  is_private: number;
}

const rowsOf = async (ownerId: string) =>
  (await env.DB.prepare('SELECT * FROM images WHERE owner_id = ? ORDER BY id').bind(ownerId).all<Row>())
    .results;

async function importAll(user: TestUser, body: Record<string, unknown> = {}) {
  const pages: ImportResult[] = [];
  let after: string | undefined;
  for (;;) {
    const response = await call(
      '/v1/backup/import',
      jsonInit(user, 'POST', { ...body, ...(after ? { after } : {}) }),
    );
    expect(response.status, await response.clone().text()).toBe(200);
    const page = (await response.json()) as ImportResult;
    pages.push(page);
    if (!page.more) return pages;
    after = page.next!;
  }
}

/** What a lost instance leaves of one owner: nothing in D1, nothing in R2. */
async function wipe(ownerId: string) {
  await env.DB.batch([
    env.DB.prepare('DELETE FROM image_variants WHERE owner_id = ?').bind(ownerId),
    env.DB.prepare(
      'DELETE FROM image_tags WHERE image_id IN (SELECT id FROM images WHERE owner_id = ?)',
    ).bind(ownerId),
    env.DB.prepare('DELETE FROM images WHERE owner_id = ?').bind(ownerId),
    env.DB.prepare('DELETE FROM albums WHERE owner_id = ?').bind(ownerId),
    env.DB.prepare('UPDATE users SET image_count = 0, storage_bytes = 0 WHERE id = ?').bind(ownerId),
  ]);
  for (;;) {
    const listed = await env.IMAGES_BUCKET.list({ prefix: `${ownerId}/` });
    if (listed.objects.length === 0) break;
    await env.IMAGES_BUCKET.delete(listed.objects.map((object) => object.key));
  }
}

const bytesOf = async (response: Response) => new Uint8Array(await response.arrayBuffer());

describe('import into an empty instance', () => {
  it('rebuilds every image from the sidecars with the same ids, short ids and URLs, idempotently', async () => {
    const owner = await createUser('import-owner');
    const albums = [
      { slug: 'trip', title: 'Trip' },
      { slug: 'vault', title: 'Vault', visibility: 'private' },
    ];
    for (const album of albums) {
      expect((await call('/v1/albums', jsonInit(owner, 'POST', album))).status).toBe(201);
    }
    const prefix = freshPrefix('import');
    expect((await call('/v1/backup/config', jsonInit(owner, 'PUT', configBody({ prefix })))).status).toBe(
      200,
    );
    const files = [
      { name: 'beach.png', bytes: fixture('tiny.png'), fields: { album: 'trip', title: 'Beach' } },
      { name: 'secret.jpg', bytes: fixture('stripe.jpg'), fields: { album: 'vault' } },
      { name: 'loose.webp', bytes: fixture('tiny.webp'), fields: {} as Record<string, string> },
    ];
    for (const file of files) {
      const response = await upload(owner, uploadForm(file.bytes, file.name, file.fields));
      expect(response.status).toBe(201);
    }
    await waitFor(async () => {
      const rows = await env.DB.prepare(
        "SELECT count(*) AS n FROM images WHERE owner_id = ? AND backup_status = 'done'",
      )
        .bind(owner.id)
        .first<{ n: number }>();
      expect(rows?.n).toBe(3);
    });
    const before = await rowsOf(owner.id);

    await wipe(owner.id);
    expect(await rowsOf(owner.id)).toEqual([]);
    const beach = before.find((row) => row.album_slug === 'trip')!;
    expect((await call(`/cdn/i/${beach.short_id}`)).status).toBe(404);

    const pages = await importAll(owner);
    const imported = pages.flatMap((page) => page.imported).sort();
    expect(pages.flatMap((page) => page.failed)).toEqual([]);
    expect(imported).toEqual(before.map((row) => row.id).sort());

    // The rows as they were: same ids, short ids, storage keys, albums and privacy.
    const after = await rowsOf(owner.id);
    const pick = (rows: Row[]) =>
      rows.map(({ id, short_id, storage_key, album_slug, is_private, status }) => ({
        id,
        short_id,
        storage_key,
        album_slug,
        is_private,
        status,
      }));
    expect(pick(after)).toEqual(pick(before));
    const recreated = (
      await env.DB.prepare(
        'SELECT slug, is_private, image_count FROM albums WHERE owner_id = ? ORDER BY slug',
      )
        .bind(owner.id)
        .all<{ slug: string; is_private: number; image_count: number }>()
    ).results;
    expect(recreated).toEqual([
      { slug: 'trip', is_private: 0, image_count: 1 },
      { slug: 'vault', is_private: 1, image_count: 1 },
    ]);
    const user = await env.DB.prepare('SELECT image_count FROM users WHERE id = ?')
      .bind(owner.id)
      .first<{ image_count: number }>();
    expect(user?.image_count).toBe(3);

    // Served again at the same URLs, byte for byte (originals restored into R2, verified by their hash).
    for (const file of files) {
      const row = after.find((r) => r.storage_key.endsWith(file.name.slice(file.name.lastIndexOf('.'))))!;
      const original = await env.IMAGES_BUCKET.get(row.storage_key);
      expect(new Uint8Array(await original!.arrayBuffer())).toEqual(file.bytes);
      const served = await call(`/cdn/i/${row.short_id}`);
      if (row.album_slug === 'vault') {
        // Private through its album, as before the loss: never served unsigned.
        expect(served.status).toBe(403);
        await served.body?.cancel();
      } else {
        expect(served.status).toBe(200);
        expect(await bytesOf(served)).toEqual(file.bytes);
      }
    }
    const byPath = await call(`/cdn/${owner.slug}/trip/beach.png`);
    expect(byPath.status).toBe(200);
    expect(await bytesOf(byPath)).toEqual(files[0]!.bytes);
    const meta = (await (await call(`/v1/images/${beach.id}`, authed(owner.key))).json()) as {
      title: string;
    };
    expect(meta.title).toBe('Beach');

    // Again: everything is present, nothing is inserted or counted twice.
    const again = await importAll(owner);
    expect(again.flatMap((page) => page.imported)).toEqual([]);
    expect(again.flatMap((page) => page.present).sort()).toEqual(imported);
    const counted = await env.DB.prepare('SELECT image_count FROM users WHERE id = ?')
      .bind(owner.id)
      .first<{ image_count: number }>();
    expect(counted?.image_count).toBe(3);
    expect((await env.IMAGES_BUCKET.list({ prefix: 'staging/' })).objects).toEqual([]);
  });

  it('imports a backup made under another account id into a new account, and refuses ids owned by others', async () => {
    const old = await createUser('import-old');
    const prefix = freshPrefix('moved');
    expect((await call('/v1/backup/config', jsonInit(old, 'PUT', configBody({ prefix })))).status).toBe(200);
    const uploaded = await upload(old, uploadForm(fixture('tiny.png'), 'kept.png'));
    const { id } = (await uploaded.json()) as { id: string };
    await waitFor(async () => {
      const row = await env.DB.prepare('SELECT backup_status FROM images WHERE id = ?')
        .bind(id)
        .first<{ backup_status: string }>();
      expect(row?.backup_status).toBe('done');
    });
    // The same bucket, read by another account while the old one still holds the image: refused, not taken over.
    const other = await createUser('import-new');
    expect((await call('/v1/backup/config', jsonInit(other, 'PUT', configBody({ prefix })))).status).toBe(
      200,
    );
    const refused = await importAll(other, { from_owner: old.id });
    expect(refused.flatMap((page) => page.failed)).toEqual([
      { id, reason: expect.stringContaining('another account') },
    ]);
    // The old account is gone (a rebuilt instance): its backup becomes the new account's.
    await wipe(old.id);
    const pages = await importAll(other, { from_owner: old.id });
    expect(pages.flatMap((page) => page.imported)).toEqual([id]);
    const row = await env.DB.prepare('SELECT owner_id, short_id FROM images WHERE id = ?')
      .bind(id)
      .first<{ owner_id: string; short_id: string }>();
    expect(row?.owner_id).toBe(other.id);
    expect(await bytesOf(await call(`/cdn/i/${row!.short_id}`))).toEqual(fixture('tiny.png'));
  });

  it('reports an image whose filename was taken again since the loss as failed, and imports the rest', async () => {
    const owner = await createUser('import-clash');
    const prefix = freshPrefix('clash');
    expect((await call('/v1/backup/config', jsonInit(owner, 'PUT', configBody({ prefix })))).status).toBe(
      200,
    );
    const lost = (await (await upload(owner, uploadForm(fixture('stripe.jpg'), 'logo.jpg'))).json()) as {
      id: string;
    };
    await waitFor(async () => {
      const row = await env.DB.prepare('SELECT backup_status FROM images WHERE id = ?')
        .bind(lost.id)
        .first<{ backup_status: string }>();
      expect(row?.backup_status).toBe('done');
    });
    await wipe(owner.id);
    // Since the loss, another image was uploaded under the same name: the import must not overwrite it.
    const newer = await upload(owner, uploadForm(fixture('photo-gps.jpg'), 'logo.jpg'));
    expect(newer.status, await newer.clone().text()).toBe(201);
    const { id: newerId } = (await newer.json()) as { id: string };

    const pages = await importAll(owner);
    expect(pages.flatMap((page) => page.imported)).toEqual([]);
    expect(pages.flatMap((page) => page.failed)).toEqual([
      { id: lost.id, reason: expect.stringContaining('already used in this instance') },
    ]);
    expect((await rowsOf(owner.id)).map((row) => row.id)).toEqual([newerId]);
  });

  it('answers 404 without a destination and 400 to a malformed body', async () => {
    const nobody = await createUser('import-nobody');
    expect((await call('/v1/backup/import', jsonInit(nobody, 'POST', {}))).status).toBe(404);
    expect((await call('/v1/backup/import', jsonInit(nobody, 'POST', { from_owner: '../etc' }))).status).toBe(
      400,
    );
  });
});
