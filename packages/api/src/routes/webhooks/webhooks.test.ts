import { createDb, webhooks } from '@pixelflare/database';
import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { authed, call, createUser, errorOf } from '../../../test/helpers';
import { decryptSecret } from '../../services/webhooks/secret';

const json = (method: string, body: unknown): RequestInit => ({
  method,
  headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify(body),
});

interface WebhookBody {
  id: string;
  url: string;
  events: string[];
  description: string | null;
  active: boolean;
  secret?: string;
  previous_secret_expires_at: string | null;
}

async function createHook(key: string, body: Record<string, unknown>): Promise<Response> {
  return call('/v1/webhooks', authed(key, json('POST', body)));
}

describe('/v1/webhooks', () => {
  it('creates an endpoint whose secret is shown once and stored encrypted', async () => {
    const owner = await createUser('hooker');
    const response = await createHook(owner.key, {
      url: 'https://hooks.example.com/in',
      events: ['image.uploaded', 'album.created'],
      description: 'CI',
    });
    expect(response.status).toBe(201);
    const created = (await response.json()) as WebhookBody;
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    expect(created).toMatchObject({ events: ['image.uploaded', 'album.created'], active: true });

    const [row] = await createDb(env.DB).select().from(webhooks).where(eq(webhooks.id, created.id));
    expect(row?.secretEncrypted).not.toContain(created.secret!.slice(6));
    const key = (env as unknown as { ENCRYPTION_KEY: string }).ENCRYPTION_KEY;
    expect(await decryptSecret(key, row!.secretEncrypted)).toBe(created.secret);

    const list = await (await call('/v1/webhooks', authed(owner.key))).text();
    expect(list).toContain(created.id);
    expect(list).not.toContain(created.secret);
  });

  it('updates, deletes, and hides another tenant’s endpoint behind a 404', async () => {
    const owner = await createUser('owner-a');
    const other = await createUser('owner-b');
    const created = (await (
      await createHook(owner.key, { url: 'https://hooks.example.com/a' })
    ).json()) as WebhookBody;
    expect(created.events).toEqual([]);

    const foreign = await call(
      `/v1/webhooks/${created.id}`,
      authed(other.key, json('PATCH', { active: false })),
    );
    expect(foreign.status).toBe(404);
    expect((await call(`/v1/webhooks/${created.id}`, authed(other.key, { method: 'DELETE' }))).status).toBe(
      404,
    );

    const patched = await call(
      `/v1/webhooks/${created.id}`,
      authed(owner.key, json('PATCH', { active: false, events: ['image.deleted'] })),
    );
    expect(patched.status).toBe(200);
    expect(await patched.json()).toMatchObject({ active: false, events: ['image.deleted'] });

    expect((await call(`/v1/webhooks/${created.id}`, authed(owner.key, { method: 'DELETE' }))).status).toBe(
      204,
    );
    expect((await call(`/v1/webhooks/${created.id}`, authed(owner.key))).status).toBe(404);
  });

  it('rotates the secret, keeping the old one valid for a day', async () => {
    const owner = await createUser('rotator');
    const created = (await (
      await createHook(owner.key, { url: 'https://hooks.example.com/r' })
    ).json()) as WebhookBody;
    const rotated = await call(
      `/v1/webhooks/${created.id}/rotate-secret`,
      authed(owner.key, { method: 'POST' }),
    );
    expect(rotated.status).toBe(200);
    const body = (await rotated.json()) as WebhookBody;
    expect(body.secret).toMatch(/^whsec_/);
    expect(body.secret).not.toBe(created.secret);
    const overlapHours = (Date.parse(body.previous_secret_expires_at!) - Date.now()) / 3_600_000;
    expect(overlapHours).toBeGreaterThan(23);
    expect(overlapHours).toBeLessThanOrEqual(24);
  });

  it('needs the webhooks:manage scope', async () => {
    const reader = await createUser('reader', { scopes: ['images:read'] });
    const response = await call('/v1/webhooks', authed(reader.key));
    expect(response.status).toBe(403);
    expect((await errorOf(response)).code).toBe('INSUFFICIENT_SCOPE');
  });

  it.each([
    ['http://127.0.0.1/hook', 'loopback'],
    ['http://localhost:8080/hook', 'loopback'],
    ['http://api.localhost/hook', 'loopback'],
    ['http://10.1.2.3/hook', 'private'],
    ['http://172.16.0.1/hook', 'private'],
    ['http://192.168.1.10/hook', 'private'],
    ['http://169.254.169.254/latest/meta-data', 'link-local'],
    ['http://0.0.0.0/hook', 'unspecified'],
    ['http://2130706433/hook', 'loopback'],
    ['http://0177.0.0.1/hook', 'loopback'],
    ['http://0x7f.0.0.1/hook', 'loopback'],
    ['http://0x7f000001/hook', 'loopback'],
    ['http://[::1]/hook', 'loopback'],
    ['http://[::ffff:127.0.0.1]/hook', 'loopback'],
    ['http://[::ffff:a9fe:a9fe]/hook', 'link-local'],
    ['http://[fe80::1]/hook', 'link-local'],
    ['http://[fd00::1]/hook', 'private'],
    ['http://[64:ff9b::10.0.0.1]/hook', 'private'],
  ])('refuses %s (%s) and stores nothing', async (url, reason) => {
    const owner = await createUser(`ssrf-${Math.random().toString(36).slice(2, 8)}`);
    const response = await createHook(owner.key, { url });
    expect(response.status).toBe(400);
    expect((await errorOf(response)).message).toContain(reason);
    const rows = await createDb(env.DB).select().from(webhooks).where(eq(webhooks.ownerId, owner.id));
    expect(rows).toHaveLength(0);
  });

  it('refuses a private target on update too, and accepts a public address', async () => {
    const owner = await createUser('mover');
    const created = (await (
      await createHook(owner.key, { url: 'https://93.184.216.34/ok' })
    ).json()) as WebhookBody;
    expect(created.url).toBe('https://93.184.216.34/ok');
    const moved = await call(
      `/v1/webhooks/${created.id}`,
      authed(owner.key, json('PATCH', { url: 'http://[::ffff:10.0.0.1]/x' })),
    );
    expect(moved.status).toBe(400);
    const again = (await (await call(`/v1/webhooks/${created.id}`, authed(owner.key))).json()) as WebhookBody;
    expect(again.url).toBe('https://93.184.216.34/ok');
  });
});
