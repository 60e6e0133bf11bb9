import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApiRouter } from '../src/app';
import { fixture } from './fixtures/fixtures.generated';
import { upload, uploadForm } from './fixtures/upload-helpers';
import { authed, call, createUser, type TestUser } from './helpers';

/**
 * The tenant matrix: every `/v1` route in the OpenAPI document, called with bob's key and alice's ids, must answer
 * 404 (existence is not leaked) and change nothing of alice's. Routes come from the document, so a new route is
 * covered the day it is added; a route whose path parameter this file cannot fill fails the test until it can.
 */

interface Route {
  method: string;
  path: string;
}

const registeredRoutes = (): Route[] =>
  createApiRouter()
    .openAPIRegistry.definitions.flatMap((d) => (d.type === 'route' ? [d.route] : []))
    .map((route) => ({ method: route.method.toUpperCase(), path: route.path }));

/** Routes that act across tenants by design, with where their own rule is tested. */
const CROSS_TENANT_BY_DESIGN: Record<string, string> = {
  'PATCH /admin/users/{id}/plan':
    'admins manage every tenant; non-admins get 403 (routes/admin/admin.test.ts)',
  'GET /me/export/{id}/archives/{part}':
    'the signed link is the credential, not a key: wrong, altered and expired links get 404 (routes/exports)',
};

/** A body each route accepts, so the request reaches the ownership check instead of stopping at validation. */
const BODIES: Record<string, unknown> = {
  'PATCH /images/{id}': { title: 'changed by bob' },
  'PATCH /albums/{album}': { title: 'changed by bob' },
  'PATCH /tags/{name}': { name: 'bobs-tag' },
  'POST /tags/{name}/merge': { into: 'bobs-tag' },
  'PATCH /transforms/{name}': { params: { w: '10' } },
  'PUT /watermarks/{name}': { image_id: 'img_not_bobs' },
  'PATCH /webhooks/{id}': { description: 'changed by bob' },
  'POST /images/{id}/signed-url': {},
  'POST /images/{id}/access-token': {},
  'PATCH /passkeys/{id}': { name: 'renamed by bob' },
};

/** Query strings lists need to answer anything (a search needs words: alice's filename is one). */
const LIST_QUERIES: Record<string, string> = { '/search': '?q=mine' };

let alice: TestUser;
let bob: TestUser;
const ids: Record<string, string> = {};

async function json<T>(response: Response, status: number): Promise<T> {
  expect(response.status, await response.clone().text()).toBe(status);
  return (await response.json()) as T;
}

const post = (user: TestUser, path: string, body: unknown) =>
  call(
    path,
    authed(user.key, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    }),
  );

/** Everything of alice's that bob might reach: rows in every owner-scoped table and her R2 objects. */
async function aliceState(): Promise<string> {
  const tables = [
    'images',
    'albums',
    'tags',
    'api_keys',
    'webhooks',
    'named_transforms',
    'watermarks',
    'favourites',
    'tenant_keys',
    'tenant_encryption',
    'backup_configs',
    'custom_domains',
    'hotlink_policies',
    'data_exports',
    'share_links',
    'passkeys',
    's3_access_keys',
  ];
  const rows = await Promise.all(
    tables.map((table) =>
      env.DB.prepare(`SELECT * FROM ${table} WHERE owner_id = ? ORDER BY 1`).bind(alice.id).all(),
    ),
  );
  const tagLinks = await env.DB.prepare(
    'SELECT it.* FROM image_tags it JOIN images i ON i.id = it.image_id WHERE i.owner_id = ? ORDER BY 1, 2',
  )
    .bind(alice.id)
    .all();
  const objects = await env.IMAGES_BUCKET.list({ prefix: `${alice.id}/` });
  return JSON.stringify([rows.map((r) => r.results), tagLinks.results, objects.objects.map((o) => o.key)]);
}

/** Fills a path template with alice's ids, by resource and parameter name. */
function alicePath(path: string): string {
  const resource = path.split('/')[1] ?? '';
  return path.replace(/\{(\w+)\}/g, (_, param: string) => {
    const key = param === 'deliveryId' ? 'delivery' : path.startsWith('/uploads/tus/') ? 'tus' : resource;
    const value = ids[key];
    if (!value) throw new Error(`tenant matrix: no id of alice's for {${param}} in ${path}; add one`);
    return encodeURIComponent(value);
  });
}

beforeAll(async () => {
  alice = await createUser('matrix-alice');
  bob = await createUser('matrix-bob');

  const album = await json<{ slug: string }>(
    await post(alice, '/v1/albums', { slug: 'secret', title: 'Secret' }),
    201,
  );
  ids.albums = album.slug;
  // Encryption on, so alice has master keys bob's calls must not reach.
  await json(await post(alice, '/v1/encryption/enable', {}), 200);
  const image = await json<{ id: string }>(
    await upload(
      alice,
      uploadForm(fixture('tiny.png'), 'mine.png', { album: 'secret', tags: 'private-tag' }),
    ),
    201,
  );
  ids.images = image.id;
  // CDN answers counted for alice's image, so bob's /analytics calls have her numbers to miss.
  ids.analytics = image.id;
  await env.DB.prepare(
    "INSERT INTO analytics_events (ts, owner_id, image_id, variant, status, bytes, cache, country, referrer) VALUES (?, ?, ?, 'original', 200, 10, 'miss', 'DE', 'matrix-alice.example')",
  )
    .bind(Date.now(), alice.id, image.id)
    .run();
  ids.tags = 'private-tag';
  ids.keys = alice.keyId;
  // An active custom domain and a hotlink allowlist of alice's: bob's /custom-domain and /hotlink must miss them.
  await env.DB.batch([
    env.DB.prepare(
      "INSERT INTO custom_domains (id, owner_id, hostname, status, verification_attempts, created_at, updated_at) VALUES ('dom_matrix', ?, 'img.matrix-alice.example.com', 'active', 1, ?, ?)",
    ).bind(alice.id, Date.now(), Date.now()),
    env.DB.prepare(
      'INSERT INTO hotlink_policies (owner_id, enabled, allowed_referrers, allow_empty_referrer, updated_at) VALUES (?, 1, \'["blog.matrix-alice.example.com"]\', 0, ?)',
    ).bind(alice.id, Date.now()),
  ]);
  const transform = await json<{ name: string }>(
    await post(alice, '/v1/transforms', { name: 'card', params: { w: '100' } }),
    201,
  );
  ids.transforms = transform.name;
  // A watermark of alice's (her image is encrypted, so written directly): bob may neither read, replace nor
  // unmark it.
  await env.DB.prepare(
    "INSERT INTO watermarks (id, owner_id, name, image_id, version, created_at, updated_at) VALUES ('wmk_matrix', ?, 'alice-mark', ?, 'wmv_matrix', ?, ?)",
  )
    .bind(alice.id, image.id, Date.now(), Date.now())
    .run();
  ids.watermarks = 'alice-mark';
  const webhook = await json<{ id: string }>(
    await post(alice, '/v1/webhooks', { url: 'https://hooks.example.com/alice' }),
    201,
  );
  ids.webhooks = webhook.id;
  // A share link to her image: bob may neither see, read nor revoke it.
  const share = await json<{ id: string }>(await post(alice, '/v1/share-links', { image_id: image.id }), 201);
  ids['share-links'] = share.id;
  // A passkey of alice's (as registration stores it): bob may neither list, rename nor remove it.
  await env.DB.prepare(
    "INSERT INTO passkeys (id, owner_id, credential_id, public_key, counter, transports, device_type, backed_up, name, created_at) VALUES ('pk_matrix', ?, 'cred-matrix-alice', 'pQECAyYgASFYIA', 0, '[\"internal\"]', 'singleDevice', 0, 'Alice phone', ?)",
  )
    .bind(alice.id, Date.now())
    .run();
  ids.passkeys = 'pk_matrix';
  // An S3 access key pair of alice's: bob may neither list nor revoke it.
  const s3Key = await json<{ id: string }>(
    await post(alice, '/v1/s3-keys', { name: 'rclone', scope: 'write' }),
    201,
  );
  ids['s3-keys'] = s3Key.id;
  // A backup destination (never contacted here), so bob's /backup calls have something of alice's to miss.
  const backup = await call(
    '/v1/backup/config',
    authed(alice.key, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        endpoint: 'https://s3.example.com',
        bucket: 'alice-backups',
        access_key_id: 'ALICEKEY',
        secret_access_key: 'alice-secret-0123456789',
      }),
    }),
  );
  expect(backup.status).toBe(200);
  ids.delivery = 'dlv_0000000000000000000000';
  // A ready data export of alice's, written directly (a queued one would change her state while bob calls).
  await env.DB.prepare(
    "INSERT INTO data_exports (id, owner_id, status, archives, created_at, expires_at) VALUES ('exp_matrix', ?, 'ready', '[]', ?, ?)",
  )
    .bind(alice.id, Date.now(), Date.now() + 86_400_000)
    .run();
  ids.me = 'exp_matrix';
  const pending = await json<{ id: string }>(await post(alice, '/v1/images', { filename: 'later.png' }), 201);
  ids.uploads = pending.id;
  const tus = await call(
    '/v1/uploads/tus',
    authed(alice.key, { method: 'POST', headers: { 'Tus-Resumable': '1.0.0', 'Upload-Length': '100' } }),
  );
  expect(tus.status).toBe(201);
  ids.tus = new URL(tus.headers.get('Location') ?? '').pathname.split('/').pop() ?? '';
});

describe('tenant matrix', () => {
  // First, before bob has sent any of alice's ids: his own audit rows would echo them back later.
  it("never shows alice's resources in bob's lists", async () => {
    const lists = registeredRoutes().filter((r) => r.method === 'GET' && !r.path.includes('{'));
    expect(lists.length).toBeGreaterThan(5);
    for (const route of lists) {
      const response = await call(`/v1${route.path}${LIST_QUERIES[route.path] ?? ''}`, authed(bob.key));
      const text = await response.text();
      for (const [what, id] of Object.entries(ids)) {
        if (what === 'tags' || what === 'albums' || what === 'transforms' || what === 'delivery') continue;
        expect(text, `${route.path} shows alice's ${what}`).not.toContain(id);
      }
      expect(text, `${route.path} shows alice's tag`).not.toContain('private-tag');
      expect(text, `${route.path} shows alice's slug`).not.toContain('matrix-alice');
    }
  });

  it("answers 404 to bob for every route that names one of alice's resources, and changes nothing", async () => {
    const before = await aliceState();
    const routes = registeredRoutes().filter((r) => r.path.includes('{'));
    expect(routes.length).toBeGreaterThan(20);
    const outcomes: string[] = [];
    for (const route of routes) {
      const name = `${route.method} ${route.path}`;
      if (CROSS_TENANT_BY_DESIGN[name]) continue;
      const body = BODIES[name];
      const headers: Record<string, string> = { 'Tus-Resumable': '1.0.0' };
      if (body !== undefined) headers['Content-Type'] = 'application/json';
      if (route.method === 'PATCH' && route.path.startsWith('/uploads/tus/')) {
        headers['Content-Type'] = 'application/offset+octet-stream';
        headers['Upload-Offset'] = '0';
      }
      const response = await call(
        `/v1${alicePath(route.path)}`,
        authed(bob.key, {
          method: route.method,
          headers,
          body:
            route.method === 'PATCH' && route.path.startsWith('/uploads/tus/') ? 'x' : JSON.stringify(body),
        }),
      );
      // The two-step upload URL is authorised by its single-use token, not by a key: without one it is refused
      // before any lookup (400), with a wrong one 403.
      const expected = name === 'PUT /uploads/{id}' ? [400, 403, 404] : [404];
      if (!expected.includes(response.status)) outcomes.push(`${name} → ${response.status}`);
    }
    expect(outcomes).toEqual([]);
    expect(await aliceState()).toBe(before);
  });

  it("bob's owner-scoped backup actions never reach alice's destination or images", async () => {
    // No path parameter names alice here: these act on the caller's own destination, which bob has none of.
    const before = await aliceState();
    for (const [path, body] of [
      ['/v1/backup/import', { from_owner: alice.id }],
      ['/v1/backup/restore', { image_ids: [ids.images] }],
      ['/v1/backup/sync', {}],
      ['/v1/backup/config/test', {}],
    ] as const) {
      const response = await post(bob, path, body);
      expect(response.status, path).toBe(404);
    }
    expect(await aliceState()).toBe(before);
  });

  it("bulk actions with alice's ids report them as not found and change nothing", async () => {
    const before = await aliceState();
    for (const action of [
      { action: 'delete', ids: [ids.images] },
      { action: 'tag', ids: [ids.images], tags: ['bob'] },
    ]) {
      const result = await json<{ updated: string[]; not_found: string[] }>(
        await post(bob, '/v1/images/bulk', action),
        200,
      );
      expect(result).toEqual({ updated: [], not_found: [ids.images] });
    }
    expect(await aliceState()).toBe(before);
  });
});
