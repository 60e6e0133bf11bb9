import { createDb, cryptoEvents, images } from '@pixelflare/database';
import {
  contentKeyFromBundle,
  MIN_PBKDF2_ITERATIONS,
  offlineDecryptStream,
  parseImageKey,
  renditionOfObjectKey,
  toBase64,
  fromBase64,
} from '@pixelflare/shared';
import { env } from 'cloudflare:workers';
import { and, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import {
  downloaded,
  enableEncryption,
  rawObject,
  tokenUrl,
  uniqueJpeg,
  uploadEncrypted,
} from '../../../test/fixtures/encryption-helpers';
import { fixture } from '../../../test/fixtures/fixtures.generated';
import { largeJpeg } from '../../../test/fixtures/large-files';
import { authed, call, createUser, errorOf, type TestUser } from '../../../test/helpers';
import { runQueueBatch } from '../../../test/queue';

const offline = inject('offlineDecrypt');
const db = createDb(env.DB);
const PASSPHRASE = 'a long export passphrase';

const post = (user: TestUser, path: string, body: unknown) =>
  call(
    path,
    authed(user.key, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    }),
  );

/** `pixelflare decrypt`, run in Node (test/global-setup-offline-decrypt.ts) on the raw object. */
async function cliDecrypt(input: {
  bundle: unknown;
  image: unknown;
  passphrase: string;
  object: Uint8Array;
  objectKey: string;
}) {
  const response = await fetch(`${offline}/decrypt`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ ...input, object: toBase64(input.object) }),
  });
  expect(response.status).toBe(200);
  const result = (await response.json()) as { code: number; stderr: string; output: string | null };
  return { ...result, bytes: result.output === null ? null : fromBase64(result.output) };
}

describe('key export and offline decrypt', () => {
  let user: TestUser;
  let image: { id: string };
  beforeAll(async () => {
    user = await createUser('enc-export');
    await enableEncryption(user);
    image = await uploadEncrypted(user, uniqueJpeg(250_000, 7, largeJpeg), 'kept.jpg');
  });

  it('refuses a short passphrase, and an account without encryption', async () => {
    const short = await post(user, '/v1/encryption/export', { passphrase: 'short' });
    expect(short.status).toBe(400);
    const other = await createUser('enc-export-off');
    const off = await post(other, '/v1/encryption/export', { passphrase: PASSPHRASE });
    expect(off.status).toBe(409);
    expect((await errorOf(off)).code).toBe('CONFLICT');
  });

  it('exports every key version; the CLI in Node decrypts the raw R2 objects to what the API serves', async () => {
    // A rotation first, so the bundle must hold v1 (this image) and v2 (the next one).
    expect((await call('/v1/encryption/rotate', authed(user.key, { method: 'POST' }))).status).toBe(202);
    const later = await uploadEncrypted(user, fixture('stripe.jpg'), 'later.jpg');
    await runQueueBatch('pixelflare-variants', [{ type: 'generate', imageId: later.id, ownerId: user.id }]);

    const exported = await post(user, '/v1/encryption/export', { passphrase: PASSPHRASE });
    expect(exported.status).toBe(200);
    expect(exported.headers.get('Cache-Control')).toBe('no-store');
    const bundle = (await exported.json()) as {
      version: number;
      kdf: { iterations: number };
      keys: { version: number }[];
    };
    expect(bundle).toMatchObject({ format: 'pixelflare-key-bundle', version: 1, owner_id: user.id });
    expect(bundle.kdf.iterations).toBeGreaterThanOrEqual(MIN_PBKDF2_ITERATIONS);
    expect(bundle.keys.map((key) => key.version)).toEqual([1, 2]);
    expect(JSON.stringify(bundle)).not.toContain(PASSPHRASE);
    const [event] = await db
      .select()
      .from(cryptoEvents)
      .where(and(eq(cryptoEvents.ownerId, user.id), eq(cryptoEvents.event, 'key.exported')));
    expect(event!.metadata).toMatchObject({ versions: [1, 2] });

    for (const id of [image.id, later.id]) {
      const record = await (await call(`/v1/images/${id}/encryption-key`, authed(user.key))).json();
      const [row] = await db.select().from(images).where(eq(images.id, id));
      const raw = await rawObject(row!.storageKey);
      const result = await cliDecrypt({
        bundle,
        image: record,
        passphrase: PASSPHRASE,
        object: raw,
        objectKey: row!.storageKey,
      });
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.bytes).toEqual(await downloaded(user, id));

      // The same library in workerd agrees.
      const imageKey = parseImageKey(JSON.stringify(record));
      const cek = await contentKeyFromBundle(bundle, PASSPHRASE, imageKey);
      const plain = await new Response(
        new Blob([raw as Uint8Array<ArrayBuffer>])
          .stream()
          .pipeThrough(offlineDecryptStream(cek, imageKey, 'original')),
      ).arrayBuffer();
      expect(new Uint8Array(plain)).toEqual(result.bytes);
    }

    // A rendition, straight from R2, decrypts to what its token URL serves.
    const record = (await (await call(`/v1/images/${later.id}/encryption-key`, authed(user.key))).json()) as {
      renditions: Record<string, string>;
    };
    const thumbKey = record.renditions.thumb!;
    expect(renditionOfObjectKey(thumbKey)).toBe('thumb');
    const thumb = await cliDecrypt({
      bundle,
      image: record,
      passphrase: PASSPHRASE,
      object: await rawObject(thumbKey),
      objectKey: thumbKey,
    });
    expect(thumb.code).toBe(0);
    const served = await call((await tokenUrl(user, later.id, { rendition: 'thumb' })).path);
    expect(served.status).toBe(200);
    expect(thumb.bytes).toEqual(new Uint8Array(await served.arrayBuffer()));
  });

  it('the CLI refuses a wrong passphrase and a tampered object, writing nothing', async () => {
    const bundle = await (await post(user, '/v1/encryption/export', { passphrase: PASSPHRASE })).json();
    const record = await (await call(`/v1/images/${image.id}/encryption-key`, authed(user.key))).json();
    const [row] = await db.select().from(images).where(eq(images.id, image.id));
    const raw = await rawObject(row!.storageKey);
    const wrong = await cliDecrypt({
      bundle,
      image: record,
      passphrase: 'not the passphrase',
      object: raw,
      objectKey: row!.storageKey,
    });
    expect(wrong).toMatchObject({ code: 1, output: null });
    expect(wrong.stderr).toContain('passphrase');
    const tampered = raw.slice();
    tampered[100_000]! ^= 0x40;
    const broken = await cliDecrypt({
      bundle,
      image: record,
      passphrase: PASSPHRASE,
      object: tampered,
      objectKey: row!.storageKey,
    });
    expect(broken).toMatchObject({ code: 1, output: null });
  });
});
