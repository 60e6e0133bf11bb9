import { describe, expect, it } from 'vitest';
import { authed, call, createUser, errorOf } from '../../../test/helpers';

const json = (method: string, body: unknown): RequestInit => ({
  method,
  headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify(body),
});

describe('/v1/admin/users', () => {
  it('lets an admin list users page by page and set a plan', async () => {
    const admin = await createUser('root', { isAdmin: true });
    const user = await createUser('customer');
    const first = (await (await call('/v1/admin/users?limit=1', authed(admin.key))).json()) as {
      data: { slug: string }[];
      next_cursor: string | null;
    };
    expect(first.data).toHaveLength(1);
    expect(first.next_cursor).not.toBeNull();
    const second = (await (
      await call(`/v1/admin/users?limit=1&cursor=${first.next_cursor}`, authed(admin.key))
    ).json()) as { data: { slug: string }[]; next_cursor: string | null };
    expect([...first.data, ...second.data].map((u) => u.slug).sort()).toEqual(['customer', 'root']);
    expect(second.next_cursor).toBeNull();

    const set = await call(
      `/v1/admin/users/${user.id}/plan`,
      authed(admin.key, json('PATCH', { plan: 'pro' })),
    );
    expect(set.status).toBe(200);
    expect(((await (await call('/v1/me', authed(user.key))).json()) as { plan: string }).plan).toBe('pro');

    expect(
      (await call('/v1/admin/users/usr_nobody/plan', authed(admin.key, json('PATCH', { plan: 'pro' }))))
        .status,
    ).toBe(404);
    expect(
      (await call(`/v1/admin/users/${user.id}/plan`, authed(admin.key, json('PATCH', { plan: 'gold' }))))
        .status,
    ).toBe(400);
  });

  it('refuses non-admins even when their key carries the admin scope, and changes nothing', async () => {
    const user = await createUser('climber');
    const list = await call('/v1/admin/users', authed(user.key));
    expect(list.status).toBe(403);
    expect((await errorOf(list)).code).toBe('FORBIDDEN');
    const set = await call(
      `/v1/admin/users/${user.id}/plan`,
      authed(user.key, json('PATCH', { plan: 'pro' })),
    );
    expect(set.status).toBe(403);
    expect(((await (await call('/v1/me', authed(user.key))).json()) as { plan: string }).plan).toBe('free');
  });

  it('an admin key without the admin scope is refused', async () => {
    const admin = await createUser('scoped-admin', { isAdmin: true, scopes: ['images:read'] });
    const list = await call('/v1/admin/users', authed(admin.key));
    expect(list.status).toBe(403);
    expect((await errorOf(list)).code).toBe('INSUFFICIENT_SCOPE');
  });
});
