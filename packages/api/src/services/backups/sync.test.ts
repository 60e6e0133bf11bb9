import { BACKUPS } from '@pixelflare/config';
import { createDb } from '@pixelflare/database';
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import {
  configBody,
  freshPrefix,
  jsonInit,
  s3,
  s3Bytes,
  s3Get,
  objectUrl,
} from '../../../test/backup-helpers';
import { enableEncryption, uploadEncrypted } from '../../../test/fixtures/encryption-helpers';
import { fixture } from '../../../test/fixtures/fixtures.generated';
import { upload, uploadForm } from '../../../test/fixtures/upload-helpers';
import { authed, call, createUser, type TestUser } from '../../../test/helpers';
import { runQueueBatch } from '../../../test/queue';
import { waitFor } from '../../../test/wait-for';
import { handleScheduled } from '../../jobs/scheduled';
import { sha256Hex } from '../../lib/crypto';
import { newId, newShortId } from '../../lib/ids';
import { runBackupCatchUp } from './catch-up';
import { backupSettingsOf } from './settings';
import type { BackupSidecar } from './layout';
import { backupImage } from './sync';
import { loadEnv } from '../../lib/env';
import type { BackupsQueueMessage } from '../../jobs/messages';
import { recordingQueue } from '../../../test/recording-queue';

const db = createDb(env.DB);
const settings = backupSettingsOf(loadEnv(env));
const deps = (bucket: R2Bucket = env.IMAGES_BUCKET) => ({ db, bucket, settings });

async function configure(user: TestUser, overrides: Record<string, unknown> = {}) {
  const prefix = freshPrefix(user.slug);
  const response = await call(
    '/v1/backup/config',
    jsonInit(user, 'PUT', configBody({ prefix, ...overrides })),
  );
  expect(response.status).toBe(200);
  return prefix;
}

async function uploadPng(user: TestUser, name: string, bytes = fixture('tiny.png')) {
  const response = await upload(user, uploadForm(bytes, name));
  expect(response.status).toBe(201);
  return ((await response.json()) as { id: string }).id;
}

const imageRow = (id: string) =>
  env.DB.prepare('SELECT * FROM images WHERE id = ?').bind(id).first<{
    backup_status: string;
    backup_error: string | null;
    backup_at: number | null;
    backup_attempts: number;
    backup_etag: string | null;
    storage_key: string;
    content_hash: string;
  }>();

const keysOf = (prefix: string, user: TestUser, id: string, ext = 'png') => ({
  original: `${prefix}${user.id}/${id}/original.${ext}`,
  sidecar: `${prefix}${user.id}/${id}/image.json`,
});

async function sidecarOf(key: string): Promise<BackupSidecar> {
  return JSON.parse(new TextDecoder().decode((await s3Bytes(key))!)) as BackupSidecar;
}

describe('the backups queue consumer, against the real S3 server', () => {
  it('copies an upload byte for byte with its metadata and a sidecar, and records done', async () => {
    const user = await createUser('sync-upload');
    const prefix = await configure(user);
    const id = await uploadPng(user, 'beach.png');
    const keys = keysOf(prefix, user, id);
    await waitFor(async () => expect((await imageRow(id))?.backup_status).toBe('done'));
    const row = (await imageRow(id))!;
    const r2 = await env.IMAGES_BUCKET.get(row.storage_key);
    const original = new Uint8Array(await r2!.arrayBuffer());
    expect(await s3Bytes(keys.original)).toEqual(original);
    const head = await s3.fetch(objectUrl(keys.original), { method: 'HEAD' });
    expect(head.headers.get('content-type')).toBe('image/png');
    expect(head.headers.get('x-amz-meta-image-id')).toBe(id);
    expect(head.headers.get('x-amz-meta-owner')).toBe(user.id);
    expect(head.headers.get('x-amz-meta-content-hash')).toBe(row.content_hash);
    expect(head.headers.get('etag')?.replaceAll('"', '')).toBe(row.backup_etag);
    const sidecar = await sidecarOf(keys.sidecar);
    expect(sidecar.image).toMatchObject({ id, filename: 'beach.png', content_hash: row.content_hash });
    expect(sidecar.object).toMatchObject({
      key: keys.original,
      size: original.length,
      sha256: await sha256Hex(original),
    });
    expect(row).toMatchObject({ backup_error: null, backup_attempts: 0 });
    expect(row.backup_at).toBeGreaterThan(0);
  });

  it('uploads nothing again on a redelivered message, and only the sidecar after a rename', async () => {
    const user = await createUser('sync-redeliver');
    const prefix = await configure(user);
    const id = await uploadPng(user, 'once.png');
    const keys = keysOf(prefix, user, id);
    await waitFor(async () => expect((await imageRow(id))?.backup_status).toBe('done'));
    const before = await s3Get(keys.original);
    const lastModified = before.headers.get('last-modified');
    await before.body?.cancel();

    const redelivered = await runQueueBatch(
      'pixelflare-backups',
      [{ type: 'backup', ownerId: user.id, imageId: id }],
      {
        attempts: 2,
      },
    );
    expect(redelivered.explicitAcks).toEqual(['msg-1']);
    expect(await backupImage(deps(), user.id, id)).toEqual({
      kind: 'done',
      uploaded: { original: false, sidecar: false },
      multipart: false,
    });
    const after = await s3Get(keys.original);
    expect(after.headers.get('last-modified')).toBe(lastModified);
    await after.body?.cancel();

    const renamed = await call(`/v1/images/${id}`, jsonInit(user, 'PATCH', { filename: 'renamed.png' }));
    expect(renamed.status).toBe(200);
    await waitFor(async () => expect((await sidecarOf(keys.sidecar)).image.filename).toBe('renamed.png'));
    expect(await backupImage(deps(), user.id, id)).toMatchObject({
      uploaded: { original: false, sidecar: false },
    });
  });

  it('sends a large original as a multipart upload read from R2 one part at a time (memory bounded by a part)', async () => {
    const user = await createUser('sync-multipart');
    const prefix = await configure(user);
    // Above the threshold, not a multiple of the part size: two full parts and a short last one.
    const size = BACKUPS.multipartThresholdBytes + BACKUPS.partSizeBytes / 2 + 12345;
    const bytes = new Uint8Array(size);
    for (let i = 0; i < size; i += 65536)
      crypto.getRandomValues(bytes.subarray(i, Math.min(size, i + 65536)));
    const id = newId('img');
    const storageKey = `${user.id}/default/${id}/original.png`;
    await env.IMAGES_BUCKET.put(storageKey, bytes);
    const hash = await sha256Hex(bytes);
    await env.DB.prepare(
      "INSERT INTO images (id, short_id, owner_id, filename, content_type, bytes, storage_key, content_hash, status, created_at, updated_at) VALUES (?, ?, ?, 'big.png', 'image/png', ?, ?, ?, 'ready', 0, 0)",
    )
      .bind(id, newShortId(), user.id, size, storageKey, hash)
      .run();

    // Every read of the original, recorded: whole reads are allowed only for objects below the threshold.
    const reads: (R2GetOptions | undefined)[] = [];
    const watched = new Proxy(env.IMAGES_BUCKET, {
      get(target, property, receiver) {
        if (property === 'get') {
          return (key: string, options?: R2GetOptions) => {
            reads.push(options);
            return target.get(key, options);
          };
        }
        const value = Reflect.get(target, property, receiver) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const outcome = await backupImage(deps(watched), user.id, id);
    expect(outcome).toEqual({ kind: 'done', uploaded: { original: true, sidecar: true }, multipart: true });
    expect(reads).toHaveLength(3);
    for (const read of reads) {
      const range = read?.range as { offset: number; length: number } | undefined;
      expect(range?.length).toBeLessThanOrEqual(BACKUPS.partSizeBytes);
    }
    const keys = keysOf(prefix, user, id);
    const stored = await s3Bytes(keys.original);
    expect(stored?.length).toBe(size);
    expect(await sha256Hex(stored!)).toBe(hash);
    const sidecar = await sidecarOf(keys.sidecar);
    expect(sidecar.object.sha256).toBe(hash);
    expect(sidecar.object.etag).not.toBe('');
    // A redelivery compares size and ETag and uploads nothing.
    reads.length = 0;
    expect(await backupImage(deps(watched), user.id, id)).toMatchObject({ uploaded: { original: false } });
    expect(reads).toEqual([]);
  }, 180_000);

  it('records failed with the S3 error and lets the queue retry; the catch-up backs off, then retries', async () => {
    const user = await createUser('sync-failure');
    // Uploaded before any destination, so no message is in flight for it.
    const id = await uploadPng(user, 'fails.png');
    await configure(user, { secret_access_key: 'a-wrong-secret-for-this-server' });
    const result = await runQueueBatch('pixelflare-backups', [
      { type: 'backup', ownerId: user.id, imageId: id },
    ]);
    expect(result.retryMessages.map((m) => m.msgId)).toEqual(['msg-1']);
    const row = (await imageRow(id))!;
    expect(row.backup_status).toBe('failed');
    expect(row.backup_error).toMatch(/^SignatureDoesNotMatch: /);
    expect(row.backup_attempts).toBe(1);
    const status = (await (await call('/v1/backup/status', authed(user.key))).json()) as {
      counts: { failed: number };
      last_error: string;
    };
    expect(status.counts.failed).toBe(1);
    expect(status.last_error).toMatch(/SignatureDoesNotMatch/);

    const { queue, sent } = recordingQueue<BackupsQueueMessage>();
    const failedAt = new Date(row.backup_at!);
    // Within the first backoff (an hour) nothing of this owner's is queued again; after it, the image is.
    await runBackupCatchUp(db, queue, new Date(failedAt.getTime() + 60_000));
    expect(sent.filter((body) => JSON.stringify(body).includes(id))).toEqual([]);
    await runBackupCatchUp(
      db,
      queue,
      new Date(failedAt.getTime() + BACKUPS.failedBackoffBaseSeconds * 1000 + 1),
    );
    expect(sent).toContainEqual({ type: 'backup', ownerId: user.id, imageId: id });
  });

  it('the 03:00 catch-up backs up what the queue missed, and is safe to run twice', async () => {
    const user = await createUser('sync-cron');
    const ids = [await uploadPng(user, 'a.png'), await uploadPng(user, 'b.png', fixture('tiny.webp'))];
    // The destination arrives after the uploads: their messages found no configuration, so both are `none`.
    for (const id of ids) expect((await imageRow(id))?.backup_status).toBe('none');
    const prefix = await configure(user);
    for (let run = 0; run < 2; run++) {
      const ctx = createExecutionContext();
      await handleScheduled(
        createScheduledController({ cron: '0 3 * * *', scheduledTime: Date.now() }),
        env,
        ctx,
      );
      await waitOnExecutionContext(ctx);
    }
    for (const id of ids) {
      await waitFor(async () => expect((await imageRow(id))?.backup_status).toBe('done'));
      expect(await s3Bytes(keysOf(prefix, user, id).sidecar)).not.toBeNull();
    }
  });

  it('backs up an encrypted image as its ciphertext, never in clear', async () => {
    const user = await createUser('sync-encrypted');
    await enableEncryption(user);
    const prefix = await configure(user);
    const plain = fixture('stripe.jpg');
    const { id } = await uploadEncrypted(user, plain, 'secret.jpg');
    await waitFor(async () => expect((await imageRow(id))?.backup_status).toBe('done'));
    const row = (await imageRow(id))!;
    const ciphertext = new Uint8Array(await (await env.IMAGES_BUCKET.get(row.storage_key))!.arrayBuffer());
    const backedUp = await s3Bytes(keysOf(prefix, user, id, 'jpg').original);
    expect(backedUp).toEqual(ciphertext);
    expect(Buffer.from(backedUp!).includes(Buffer.from(plain.subarray(0, 64)))).toBe(false);
    const sidecar = await sidecarOf(keysOf(prefix, user, id, 'jpg').sidecar);
    expect(sidecar.image.is_encrypted).toBe(true);
    expect(sidecar.object.sha256).toBe(await sha256Hex(ciphertext));
  });

  it('keeps backups of purged images by default, and deletes them when the policy says so', async () => {
    for (const policy of ['keep', 'delete'] as const) {
      const user = await createUser(`sync-purge-${policy}`);
      const prefix = await configure(user, { on_purge: policy });
      const id = await uploadPng(user, 'gone.png');
      await waitFor(async () => expect((await imageRow(id))?.backup_status).toBe('done'));
      const purged = await call(`/v1/images/${id}?permanent=true`, authed(user.key, { method: 'DELETE' }));
      expect(purged.status).toBe(204);
      const keys = keysOf(prefix, user, id);
      if (policy === 'delete') {
        await waitFor(async () => expect(await s3Bytes(keys.original)).toBeNull());
        expect(await s3Bytes(keys.sidecar)).toBeNull();
      } else {
        // The purge's message is consumed; then the object must still be there.
        await runQueueBatch('pixelflare-backups', [
          { type: 'delete', ownerId: user.id, imageId: id, extension: 'png' },
        ]);
        expect(await s3Bytes(keys.original)).not.toBeNull();
      }
    }
  });
});
