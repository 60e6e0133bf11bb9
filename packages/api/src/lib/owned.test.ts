import { apiKeys, createDb } from '@pixelflare/database';
import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createUser } from '../../test/helpers';
import { AppError } from './errors';
import { listOwned, revokeOwned } from './owned';

describe('listOwned / revokeOwned', () => {
  const db = createDb(env.DB);
  const addKey = (ownerId: string, id: string, createdAt: Date) =>
    db.insert(apiKeys).values({ id, ownerId, name: id, prefix: id, keyHash: id, scopes: [], createdAt });

  it("lists only the owner's rows, newest or oldest first, ties broken by id", async () => {
    const owner = await createUser('owned-lister');
    const other = await createUser('owned-other');
    const at = new Date('2026-01-01T00:00:00Z');
    await addKey(owner.id, 'key_owned_b', at);
    await addKey(owner.id, 'key_owned_a', at);
    await addKey(other.id, 'key_owned_c', at);
    const ids = (rows: { id: string }[]) => rows.map((row) => row.id);
    // The user's own test key was created now, after `at`.
    expect(ids(await listOwned(db, apiKeys, owner.id))).toEqual([owner.keyId, 'key_owned_b', 'key_owned_a']);
    expect(ids(await listOwned(db, apiKeys, owner.id, 'oldest'))).toEqual([
      'key_owned_a',
      'key_owned_b',
      owner.keyId,
    ]);
  });

  it("revokes the owner's row once; another owner's or an unknown id is a 404", async () => {
    const owner = await createUser('owned-revoker');
    const other = await createUser('owned-stranger');
    const first = new Date('2026-02-01T00:00:00Z');
    await revokeOwned(db, apiKeys, owner.id, owner.keyId, 'API key', first);
    await revokeOwned(db, apiKeys, owner.id, owner.keyId, 'API key', new Date('2026-03-01T00:00:00Z'));
    const [row] = await db.select().from(apiKeys).where(eq(apiKeys.id, owner.keyId));
    expect(row!.revokedAt).toEqual(first);

    for (const id of [other.keyId, 'key_unknown']) {
      const refused = await revokeOwned(db, apiKeys, owner.id, id, 'API key').catch((error) => error);
      expect(refused).toBeInstanceOf(AppError);
      expect(refused).toMatchObject({ status: 404, code: 'NOT_FOUND', message: 'No such API key' });
    }
    const [untouched] = await db.select().from(apiKeys).where(eq(apiKeys.id, other.keyId));
    expect(untouched!.revokedAt).toBeNull();
  });
});
