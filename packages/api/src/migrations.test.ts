import { applyD1Migrations } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';

describe('migrations', () => {
  it('apply to an empty database, create every table, and are idempotent', async () => {
    // setup.ts already applied them once; a second run must be a no-op, not an error.
    await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
    const tables = await env.DB.prepare(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\' AND name NOT LIKE 'sqlite%'",
    ).all<{ name: string }>();
    const names = tables.results.map((row) => row.name);
    for (const table of [
      'users',
      'api_keys',
      'albums',
      'images',
      'tags',
      'image_tags',
      'favourites',
      'image_variants',
      'named_transforms',
      'webhooks',
      'webhook_deliveries',
      'outbox_events',
      'audit_logs',
      'custom_domains',
      'hotlink_policies',
      'share_links',
      'backup_configs',
      'analytics_daily',
      'analytics_events',
      'analytics_rollups',
      'image_ai',
      'crypto_events',
      'tenant_keys',
      'tenant_encryption',
      'authjs_users',
      'authjs_accounts',
      'authjs_sessions',
      'authjs_verification_tokens',
      'upload_tokens',
      'images_fts',
    ]) {
      expect(names).toContain(table);
    }
  });

  it('keeps the FTS index in step with image rows and tags', async () => {
    await env.DB.batch([
      env.DB.prepare("INSERT INTO users (id, slug, created_at, updated_at) VALUES ('u1', 'fts-owner', 0, 0)"),
      env.DB.prepare(
        "INSERT INTO images (id, short_id, owner_id, filename, content_type, storage_key, title, created_at, updated_at) VALUES ('i1', 'abc234', 'u1', 'beach.jpg', 'image/jpeg', 'k', 'Sunset at the pier', 0, 0)",
      ),
      env.DB.prepare("INSERT INTO tags (id, owner_id, name, created_at) VALUES ('t1', 'u1', 'holiday', 0)"),
      env.DB.prepare("INSERT INTO image_tags (image_id, tag_id) VALUES ('i1', 't1')"),
    ]);
    const search = (q: string) =>
      env.DB.prepare('SELECT image_id FROM images_fts WHERE images_fts MATCH ?')
        .bind(q)
        .all<{ image_id: string }>();
    expect((await search('pier')).results).toEqual([{ image_id: 'i1' }]);
    expect((await search('holiday')).results).toEqual([{ image_id: 'i1' }]);
    await env.DB.prepare("UPDATE images SET title = 'Mountains' WHERE id = 'i1'").run();
    expect((await search('pier')).results).toEqual([]);
    await env.DB.prepare("DELETE FROM images WHERE id = 'i1'").run();
    expect((await search('holiday')).results).toEqual([]);
  });
});
