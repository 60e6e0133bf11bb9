import { createDb, users } from '@pixelflare/database';
import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createUser } from '../../../test/helpers';
import { provisionUser, slugify, type ExternalIdentity } from './provision';

const identity = (key: string, extra: Partial<ExternalIdentity> = {}): ExternalIdentity => ({
  kind: 'authjs',
  key,
  usernames: [],
  ...extra,
});

describe('provisioning a user on first sign-in', () => {
  it('turns names into URL-safe owner slugs', () => {
    expect(slugify('Jane.Doe+pics')).toBe('jane-doe-pics');
    expect(slugify('Ünïcödé Nåme')).toBe('unicode-name');
    expect(slugify('--x--')).toBeNull(); // one character is too short
    expect(slugify('李')).toBeNull();
    expect(slugify('a'.repeat(40))).toHaveLength(32);
  });

  it('makes the first user of an empty instance its administrator, and nobody after', async () => {
    const db = createDb(env.DB);
    const { user: first, created } = await provisionUser(
      db,
      identity('oidc:1', { usernames: ['first'] }),
      'free',
    );
    const { user: second } = await provisionUser(db, identity('oidc:2', { usernames: ['second'] }), 'free');
    expect([first.isAdmin, second.isAdmin]).toEqual([true, false]);
    expect(created).toBe(true);
  });

  it('never hands out a reserved or taken slug, and finds the same user on the next sign-in', async () => {
    const db = createDb(env.DB);
    await createUser('user');
    const { user: reserved } = await provisionUser(
      db,
      identity('github:7', { usernames: ['Admin'], email: 'cdn@x.test' }),
      'free',
    );
    expect(reserved.slug).toBe('user-2');
    const { user: again, created } = await provisionUser(
      db,
      identity('github:7', { usernames: ['someone-else'] }),
      'free',
    );
    expect(created).toBe(false);
    expect(again.id).toBe(reserved.id);
    expect(again.slug).toBe('user-2');
  });

  it('keeps a verified email only when no other user holds it', async () => {
    const db = createDb(env.DB);
    const owner = await createUser('mallory'); // mallory@example.test
    const { user: sameEmail } = await provisionUser(
      db,
      identity('google:9', { usernames: ['m'], email: 'Mallory@Example.test', emailVerified: true }),
      'free',
    );
    expect(sameEmail.id).not.toBe(owner.id);
    expect(sameEmail.email).toBeNull();
    const { user: fresh } = await provisionUser(
      db,
      identity('google:10', { usernames: ['pat'], email: 'Pat@Example.test', emailVerified: true }),
      'free',
    );
    expect(fresh.email).toBe('pat@example.test');
  });

  it('two first sign-ins of one identity at once make one user', async () => {
    const db = createDb(env.DB);
    const twin = identity('oidc:twin', { usernames: ['twin'] });
    const [a, b] = await Promise.all([provisionUser(db, twin, 'free'), provisionUser(db, twin, 'free')]);
    expect(a.user.id).toBe(b.user.id);
    expect([a.created, b.created].sort()).toEqual([false, true]);
    const rows = await db.select().from(users).where(eq(users.authjsUserId, 'oidc:twin')).all();
    expect(rows).toHaveLength(1);
  });

  it('the database itself holds one user per Auth.js identity, whatever slug a second row would get', async () => {
    const db = createDb(env.DB);
    await db.insert(users).values({ id: 'usr_identity_a', slug: 'identity-a', authjsUserId: 'github:42' });
    const second = await db
      .insert(users)
      .values({ id: 'usr_identity_b', slug: 'identity-b', authjsUserId: 'github:42' })
      .then(
        () => null,
        (error: unknown) => error,
      );
    expect(String((second as Error | null)?.cause)).toMatch(
      /UNIQUE constraint failed: users\.authjs_user_id/,
    );
  });
});
