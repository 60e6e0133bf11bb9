import { apiKeys, createDb } from '@pixelflare/database';
import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { auditLogs } from '@pixelflare/database';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { authed, call, createUser, errorOf } from '../../../test/helpers';

const json = (method: string, body: unknown): RequestInit => ({
  method,
  headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify(body),
});

interface CreatedKey {
  id: string;
  key: string;
  prefix: string;
  scopes: string[];
  expires_at: string | null;
  revoked_at: string | null;
}

describe('/v1/keys', () => {
  it('creates a key shown once, which then authenticates with the scopes it was given', async () => {
    const owner = await createUser('keymaker');
    const response = await call(
      '/v1/keys',
      authed(owner.key, json('POST', { name: 'ci', scopes: ['read'] })),
    );
    expect(response.status).toBe(201);
    const created = (await response.json()) as CreatedKey;
    expect(created.key).toMatch(/^pf_[A-Za-z0-9_-]{43}$/);
    expect(created.key.startsWith(created.prefix)).toBe(true);
    expect(created.scopes.sort()).toEqual(['albums:read', 'analytics:read', 'images:read']);

    const list = (await (await call('/v1/keys', authed(owner.key))).json()) as {
      data: Record<string, unknown>[];
    };
    expect(list.data.map((k) => k.id)).toContain(created.id);
    expect(JSON.stringify(list)).not.toContain(created.key);

    expect((await call('/v1/tags', authed(created.key))).status).toBe(200);
    const refused = await call('/v1/keys', authed(created.key));
    expect(refused.status).toBe(403);
    const error = await errorOf(refused);
    expect(error.code).toBe('INSUFFICIENT_SCOPE');
    expect(error.message).toContain('keys:manage');
  });

  it('refuses to grant scopes the creating key lacks', async () => {
    const owner = await createUser('limited', { scopes: ['keys:manage', 'images:read'] });
    const response = await call(
      '/v1/keys',
      authed(owner.key, json('POST', { name: 'escalate', scopes: ['images:write'] })),
    );
    expect(response.status).toBe(403);
    expect((await errorOf(response)).message).toContain('images:write');
    const rows = await createDb(env.DB).select().from(apiKeys).where(eq(apiKeys.ownerId, owner.id));
    expect(rows).toHaveLength(1);
  });

  it('validates the body: unknown scopes and past expiry are 400', async () => {
    const owner = await createUser('validator');
    const unknown = await call('/v1/keys', authed(owner.key, json('POST', { name: 'x', scopes: ['root'] })));
    expect(unknown.status).toBe(400);
    const past = await call(
      '/v1/keys',
      authed(
        owner.key,
        json('POST', { name: 'x', scopes: ['read'], expires_at: '2000-01-01T00:00:00.000Z' }),
      ),
    );
    expect(past.status).toBe(400);
  });

  it('revoked and expired keys answer 401', async () => {
    const owner = await createUser('revoker');
    const created = (await (
      await call('/v1/keys', authed(owner.key, json('POST', { name: 'temp', scopes: ['read'] })))
    ).json()) as CreatedKey;
    expect((await call(`/v1/keys/${created.id}`, authed(owner.key, { method: 'DELETE' }))).status).toBe(204);
    const revoked = await call('/v1/tags', authed(created.key));
    expect(revoked.status).toBe(401);
    expect((await errorOf(revoked)).code).toBe('INVALID_API_KEY');

    const expiring = (await (
      await call(
        '/v1/keys',
        authed(
          owner.key,
          json('POST', {
            name: 'soon',
            scopes: ['read'],
            expires_at: new Date(Date.now() + 60_000).toISOString(),
          }),
        ),
      )
    ).json()) as CreatedKey;
    expect((await call('/v1/tags', authed(expiring.key))).status).toBe(200);
    await createDb(env.DB)
      .update(apiKeys)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(apiKeys.id, expiring.id));
    expect((await call('/v1/tags', authed(expiring.key))).status).toBe(401);
  });

  it("another tenant's key id is a 404 and stays usable", async () => {
    const alice = await createUser('alice-t');
    const bob = await createUser('bob-t');
    const response = await call(`/v1/keys/${bob.keyId}`, authed(alice.key, { method: 'DELETE' }));
    expect(response.status).toBe(404);
    expect((await call('/v1/keys', authed(bob.key))).status).toBe(200);
    const list = (await (await call('/v1/keys', authed(alice.key))).json()) as { data: { id: string }[] };
    expect(list.data.map((k) => k.id)).toEqual([alice.keyId]);
  });

  it('malformed credentials are 401 JSON', async () => {
    for (const header of [
      'Basic abc',
      'Bearer',
      'Bearer pf_short',
      `Bearer pf_${'a'.repeat(44)}`,
      'Bearer a b',
    ]) {
      const response = await call('/v1/keys', { headers: { Authorization: header } });
      expect(response.status, header).toBe(401);
      expect(response.headers.get('Content-Type')).toContain('application/json');
      expect(['UNAUTHORIZED', 'INVALID_API_KEY']).toContain((await errorOf(response)).code);
    }
    expect((await call('/v1/keys')).status).toBe(401);
  });

  describe('secrets stay out of logs and the audit trail', () => {
    afterEach(() => vi.restoreAllMocks());

    it('never writes a presented key, valid or not, in clear', async () => {
      const lines: string[] = [];
      for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
        vi.spyOn(console, level).mockImplementation((...args: unknown[]) => void lines.push(args.join(' ')));
      }
      const owner = await createUser('quiet');
      const wrong = `pf_${'x'.repeat(43)}`;
      await call('/v1/keys', authed(owner.key));
      await call('/v1/keys', authed(wrong));
      await call('/v1/keys', authed(owner.key, json('POST', { name: 'n', scopes: ['read'] })));
      await vi.waitFor(async () => {
        const failed = await createDb(env.DB).select().from(auditLogs);
        expect(failed.map((row) => row.action)).toContain('auth.api_key_failed');
      });
      // The spy must actually see the request log lines, or this test proves nothing.
      expect(lines.some((line) => line.includes('"request"'))).toBe(true);
      for (const secret of [owner.key, wrong]) {
        expect(lines.join('\n')).not.toContain(secret);
        expect(lines.join('\n')).not.toContain(secret.slice(10));
      }
      const audit = JSON.stringify(await createDb(env.DB).select().from(auditLogs));
      expect(audit).not.toContain(owner.key.slice(10));
      expect(audit).not.toContain(wrong.slice(10));
    });
  });
});
