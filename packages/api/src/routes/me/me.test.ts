import { describe, expect, it } from 'vitest';
import { authed, call, createUser, errorOf } from '../../../test/helpers';

const json = (method: string, body: unknown): RequestInit => ({
  method,
  headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify(body),
});

describe('/v1/me', () => {
  it('reads and updates your own profile; the slug cannot change', async () => {
    const user = await createUser('profiled');
    const me = (await (await call('/v1/me', authed(user.key))).json()) as Record<string, unknown>;
    expect(me).toMatchObject({ id: user.id, slug: 'profiled', plan: 'free', is_admin: false });
    // The key's own scopes, so a client (the MCP server) offers only what it may do.
    expect(me.credential).toEqual({
      via: 'api_key',
      scopes: expect.arrayContaining(['images:read', 'images:write']),
    });
    const reader = await createUser('scoped-reader', { scopes: ['images:read', 'albums:read'] });
    const scoped = (await (await call('/v1/me', authed(reader.key))).json()) as Record<string, unknown>;
    expect(scoped.credential).toEqual({ via: 'api_key', scopes: ['images:read', 'albums:read'] });

    const update = await call(
      '/v1/me',
      authed(user.key, json('PATCH', { display_name: 'Pro Filed', website: 'https://example.test' })),
    );
    expect(update.status).toBe(200);
    expect(await update.json()).toMatchObject({ display_name: 'Pro Filed', website: 'https://example.test' });

    const slug = await call('/v1/me', authed(user.key, json('PATCH', { slug: 'other' })));
    expect(slug.status).toBe(400);
    const badUrl = await call('/v1/me', authed(user.key, json('PATCH', { website: 'javascript:alert(1)' })));
    expect(badUrl.status).toBe(400);
    expect(((await (await call('/v1/me', authed(user.key))).json()) as { slug: string }).slug).toBe(
      'profiled',
    );
  });

  it('keeps the dashboard language: one of the supported locales, or null to detect it again', async () => {
    const user = await createUser('polyglot');
    const read = async () =>
      ((await (await call('/v1/me', authed(user.key))).json()) as { locale: unknown }).locale;
    expect(await read()).toBeNull();

    const arabic = await call('/v1/me', authed(user.key, json('PATCH', { locale: 'ar' })));
    expect(arabic.status).toBe(200);
    expect(await arabic.json()).toMatchObject({ locale: 'ar' });
    expect(await read()).toBe('ar');

    // Not a supported language (nor a case variant of one): refused on the field, the saved one is kept.
    for (const locale of ['xx', 'AR', 'de-DE', 42]) {
      const refused = await call('/v1/me', authed(user.key, json('PATCH', { locale })));
      expect(refused.status).toBe(400);
      expect((await errorOf(refused)).issues?.map((issue) => issue.path)).toEqual(['locale']);
    }
    expect(await read()).toBe('ar');

    // Another field's update leaves it alone; null clears it.
    await call('/v1/me', authed(user.key, json('PATCH', { bio: 'hello' })));
    expect(await read()).toBe('ar');
    expect((await call('/v1/me', authed(user.key, json('PATCH', { locale: null })))).status).toBe(200);
    expect(await read()).toBeNull();
  });

  it('any valid key reads the profile; editing needs keys:manage', async () => {
    const user = await createUser('readonly', { scopes: ['images:read'] });
    expect((await call('/v1/me', authed(user.key))).status).toBe(200);
    const edit = await call('/v1/me', authed(user.key, json('PATCH', { bio: 'hi' })));
    expect(edit.status).toBe(403);
    expect((await errorOf(edit)).message).toContain('keys:manage');
    expect((await call('/v1/me')).status).toBe(401);
  });
});
