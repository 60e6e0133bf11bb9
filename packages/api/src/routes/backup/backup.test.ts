import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '../../../test/fixtures/fixtures.generated';
import { upload, uploadForm } from '../../../test/fixtures/upload-helpers';
import { callWith, configBody, freshPrefix, jsonInit, s3Bytes, s3Put } from '../../../test/backup-helpers';
import { authed, call, createUser, errorOf, type TestUser } from '../../../test/helpers';
import { waitFor } from '../../../test/wait-for';

let alice: TestUser;

const putConfig = (user: TestUser, body: unknown) => call('/v1/backup/config', jsonInit(user, 'PUT', body));
const testConnection = (user: TestUser) => call('/v1/backup/config/test', jsonInit(user, 'POST'));

interface TestResult {
  ok: boolean;
  failed_step: string | null;
  steps: { step: string; ok: boolean; status: number | null; code: string | null; message: string | null }[];
}

beforeAll(async () => {
  alice = await createUser('backup-alice');
});

describe('backup configuration', () => {
  it('stores the destination with the secret sealed, and shows only its last four characters', async () => {
    const body = configBody({ prefix: 'pf/' });
    const saved = await putConfig(alice, body);
    expect(saved.status).toBe(200);
    const config = (await saved.json()) as Record<string, unknown>;
    expect(config).toMatchObject({
      endpoint: env.S3_TEST_ENDPOINT,
      bucket: 'backups',
      prefix: 'pf/',
      access_key_id: env.S3_TEST_ACCESS_KEY_ID,
      secret_last_four: env.S3_TEST_SECRET_ACCESS_KEY.slice(-4),
      path_style: true,
      enabled: true,
      on_purge: 'keep',
      byos: false,
    });
    expect(JSON.stringify(config)).not.toContain(env.S3_TEST_SECRET_ACCESS_KEY);
    const got = await call('/v1/backup/config', authed(alice.key));
    expect(got.status).toBe(200);
    expect(await got.text()).not.toContain(env.S3_TEST_SECRET_ACCESS_KEY);
    // At rest: no column holds the secret in clear.
    const row = await env.DB.prepare('SELECT * FROM backup_configs WHERE owner_id = ?')
      .bind(alice.id)
      .first();
    expect(JSON.stringify(row)).not.toContain(env.S3_TEST_SECRET_ACCESS_KEY);
    expect(String(row?.credentials_encrypted)).toMatch(/^v1\./);
  });

  it('refuses malformed input with the field named, never a 500', async () => {
    for (const [change, field] of [
      [{ endpoint: 'ftp://example.com' }, 'endpoint'],
      [{ bucket: 'Not_A_Bucket' }, 'bucket'],
      [{ secret_access_key: 'short' }, 'secret_access_key'],
      [{ access_key_id: '' }, 'access_key_id'],
      // Bring your own storage moves originals in the backups job: it needs backups enabled.
      [{ byos: true, enabled: false }, 'byos'],
    ] as const) {
      const response = await putConfig(alice, configBody(change));
      expect(response.status).toBe(400);
      const error = await errorOf(response);
      expect(error.code).toBe('VALIDATION_FAILED');
      expect(error.issues?.map((issue) => issue.path)).toContain(field);
    }
  });

  it('refuses private and loopback endpoints where private targets are not allowed (the webhooks rule)', async () => {
    for (const endpoint of [
      'http://127.0.0.1:9000',
      'http://10.0.0.8',
      'http://[::1]:9000',
      'http://minio.local',
    ]) {
      const response = await callWith(
        { ALLOW_PRIVATE_BACKUP_TARGETS: 'false' },
        '/v1/backup/config',
        jsonInit(alice, 'PUT', configBody({ endpoint })),
      );
      expect(response.status, endpoint).toBe(400);
      expect((await errorOf(response)).message).toMatch(/only public addresses/);
    }
  });

  it('needs BACKUP_ENCRYPTION_KEY: without it saving is a 503 naming it', async () => {
    const response = await callWith(
      { BACKUP_ENCRYPTION_KEY: undefined },
      '/v1/backup/config',
      jsonInit(alice, 'PUT', configBody()),
    );
    expect(response.status).toBe(503);
    const error = await errorOf(response);
    expect(error.code).toBe('MISCONFIGURED');
    expect(error.message).toContain('BACKUP_ENCRYPTION_KEY');
  });

  it('needs the backups:manage scope', async () => {
    const reader = await createUser('backup-reader', { scopes: ['images:read'] });
    expect((await call('/v1/backup/config', authed(reader.key))).status).toBe(403);
    expect((await putConfig(reader, configBody())).status).toBe(403);
  });

  it('deletes the destination; then GET, DELETE and the test answer 404', async () => {
    const carol = await createUser('backup-carol');
    expect((await putConfig(carol, configBody())).status).toBe(200);
    expect((await call('/v1/backup/config', authed(carol.key, { method: 'DELETE' }))).status).toBe(204);
    expect((await call('/v1/backup/config', authed(carol.key))).status).toBe(404);
    expect((await call('/v1/backup/config', authed(carol.key, { method: 'DELETE' }))).status).toBe(404);
    expect((await testConnection(carol)).status).toBe(404);
  });
});

describe('POST /v1/backup/config/test against the real S3 server', () => {
  const probeOf = async (user: TestUser, body: Record<string, unknown>) => {
    expect((await putConfig(user, configBody(body))).status).toBe(200);
    const response = await testConnection(user);
    expect(response.status).toBe(200);
    return (await response.json()) as TestResult;
  };

  it('passes every step with a good configuration and leaves no probe behind', async () => {
    const prefix = freshPrefix('probe');
    const user = await createUser('probe-good');
    const result = await probeOf(user, { prefix });
    expect(result, JSON.stringify(result)).toMatchObject({ ok: true, failed_step: null });
    expect(result.steps.map((s) => [s.step, s.ok])).toEqual([
      ['write', true],
      ['read', true],
      ['list', true],
      ['delete', true],
    ]);
    const listed = await (
      await import('../../../test/backup-helpers')
    ).s3.fetch(`${env.S3_TEST_ENDPOINT}/backups?list-type=2&prefix=${encodeURIComponent(prefix)}`);
    expect(await listed.text()).not.toContain('<Key>');
  });

  it('reports the write step failing with SignatureDoesNotMatch for a wrong secret', async () => {
    const user = await createUser('probe-wrong-secret');
    const result = await probeOf(user, { secret_access_key: 'not-the-right-secret-at-all' });
    expect(result.ok).toBe(false);
    expect(result.failed_step).toBe('write');
    expect(result.steps).toHaveLength(1);
    expect(result.steps[0]).toMatchObject({
      step: 'write',
      ok: false,
      status: 403,
      code: 'SignatureDoesNotMatch',
    });
  });

  it('reports NoSuchBucket for a bucket that does not exist', async () => {
    const user = await createUser('probe-no-bucket');
    const result = await probeOf(user, { bucket: 'no-such-bucket' });
    expect(result.failed_step).toBe('write');
    expect(result.steps[0]).toMatchObject({ status: 404, code: 'NoSuchBucket' });
  });

  it('reports an unreachable host with no status, quickly, and no 500', async () => {
    const user = await createUser('probe-unreachable');
    // Port 1 on loopback: nothing listens there, so the connection is refused.
    const result = await probeOf(user, { endpoint: 'http://127.0.0.1:1' });
    expect(result.failed_step).toBe('write');
    expect(result.steps[0]).toMatchObject({ ok: false, status: null });
    expect(result.steps[0]?.message).toMatch(/could not reach 127\.0\.0\.1:1/);
  });
});

describe('status, back up now and restore', () => {
  it('counts images by state; Back up now queues what is not backed up; restore brings back a lost original', async () => {
    const dora = await createUser('backup-dora');
    // Uploaded before any destination exists: nothing to back up to, so it stays `none`.
    const before = await upload(dora, uploadForm(fixture('tiny.png'), 'before.png'));
    expect(before.status).toBe(201);
    const { id } = (await before.json()) as { id: string };
    const status = async () =>
      (await (await call('/v1/backup/status', authed(dora.key))).json()) as {
        configured: boolean;
        counts: Record<string, number>;
        last_success_at: string | null;
      };
    expect(await status()).toMatchObject({
      configured: false,
      counts: { none: 1, pending: 0, done: 0, failed: 0 },
    });

    const prefix = freshPrefix('dora');
    expect((await putConfig(dora, configBody({ prefix }))).status).toBe(200);
    const synced = await call('/v1/backup/sync', jsonInit(dora, 'POST'));
    expect(synced.status).toBe(202);
    expect(await synced.json()).toEqual({ queued: 1 });
    const key = `${prefix}${dora.id}/${id}/original.png`;
    await waitFor(async () => expect((await status()).counts.done).toBe(1));
    expect((await status()).last_success_at).not.toBeNull();
    expect(await s3Bytes(key)).toEqual(fixture('tiny.png'));

    // A bucket loss: the original is gone from R2. Restore verifies it against the row's hash and puts it back.
    const row = await env.DB.prepare('SELECT storage_key FROM images WHERE id = ?')
      .bind(id)
      .first<{ storage_key: string }>();
    await env.IMAGES_BUCKET.delete(row!.storage_key);
    const restored = await call(
      '/v1/backup/restore',
      jsonInit(dora, 'POST', { image_ids: [id, 'img_missing'] }),
    );
    expect(restored.status).toBe(200);
    expect(await restored.json()).toMatchObject({
      restored: [id],
      present: [],
      failed: [],
      not_found: ['img_missing'],
    });
    const back = await env.IMAGES_BUCKET.get(row!.storage_key);
    expect(new Uint8Array(await back!.arrayBuffer())).toEqual(fixture('tiny.png'));

    // Present originals are left alone; a tampered backup is refused by its hash and nothing is written to R2.
    const again = (await (
      await call('/v1/backup/restore', jsonInit(dora, 'POST', { all: true }))
    ).json()) as {
      present: string[];
    };
    expect(again.present).toEqual([id]);
    await env.IMAGES_BUCKET.delete(row!.storage_key);
    await s3Put(key, new TextEncoder().encode('not the original'));
    const tampered = (await (
      await call('/v1/backup/restore', jsonInit(dora, 'POST', { image_ids: [id] }))
    ).json()) as {
      failed: { id: string; reason: string }[];
    };
    expect(tampered.failed).toEqual([{ id, reason: expect.stringContaining('HashMismatch') }]);
    expect(await env.IMAGES_BUCKET.head(row!.storage_key)).toBeNull();
    const staged = await env.IMAGES_BUCKET.list({ prefix: 'staging/restore/' });
    expect(staged.objects).toEqual([]);
  });

  it('answers 404 to status-changing calls without a destination, and 400 to a malformed restore', async () => {
    const erin = await createUser('backup-erin');
    expect((await call('/v1/backup/sync', jsonInit(erin, 'POST'))).status).toBe(404);
    expect((await call('/v1/backup/restore', jsonInit(erin, 'POST', { all: true }))).status).toBe(404);
    expect((await call('/v1/backup/restore', jsonInit(erin, 'POST', { image_ids: [] }))).status).toBe(400);
  });
});

describe('one image’s backup', () => {
  it('shows an image’s backup state and backs up that one image on request', async () => {
    const fay = await createUser('backup-fay');
    const uploaded = await upload(fay, uploadForm(fixture('tiny.png'), 'one.png'));
    const { id } = (await uploaded.json()) as { id: string };
    const stateOf = async () => {
      const response = await call(`/v1/images/${id}/backup`, authed(fay.key));
      expect(response.status).toBe(200);
      return (await response.json()) as { status: string; key: string | null; original_in: string };
    };
    // No destination yet: nothing to back up to, and no key.
    expect(await stateOf()).toMatchObject({ status: 'none', key: null, original_in: 'r2' });
    expect((await call(`/v1/images/${id}/backup`, jsonInit(fay, 'POST'))).status).toBe(404);

    const prefix = freshPrefix('fay');
    expect((await putConfig(fay, configBody({ prefix, enabled: false }))).status).toBe(200);
    expect((await call(`/v1/images/${id}/backup`, jsonInit(fay, 'POST'))).status).toBe(409);
    expect((await putConfig(fay, configBody({ prefix }))).status).toBe(200);
    const queued = await call(`/v1/images/${id}/backup`, jsonInit(fay, 'POST'));
    expect(queued.status).toBe(202);
    expect(await queued.json()).toEqual({ queued: 1 });
    await waitFor(async () => expect((await stateOf()).status).toBe('done'));
    const key = `${prefix}${fay.id}/${id}/original.png`;
    expect((await stateOf()).key).toBe(key);
    expect(await s3Bytes(key)).toEqual(fixture('tiny.png'));
    expect((await call('/v1/images/img_missing/backup', authed(fay.key))).status).toBe(404);
  });
});
