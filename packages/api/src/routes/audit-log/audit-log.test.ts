import { auditLogs, createDb } from '@pixelflare/database';
import { env } from 'cloudflare:workers';
import { describe, expect, it, vi } from 'vitest';
import { authed, call, createUser, errorOf } from '../../../test/helpers';
import { newId } from '../../lib/ids';
import { recordAudit } from '../../services/audit/audit-log';

interface Page {
  data: {
    id: string;
    owner_id: string | null;
    action: string;
    resource_id: string | null;
    outcome: string;
  }[];
  next_cursor: string | null;
}

const page = async (key: string, query = ''): Promise<Page> =>
  (await (await call(`/v1/audit-log${query}`, authed(key))).json()) as Page;

describe('/v1/audit-log', () => {
  it('records key creation and revocation in the owner’s trail', async () => {
    const owner = await createUser('audited');
    const created = (await (
      await call(
        '/v1/keys',
        authed(owner.key, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ name: 'ci', scopes: ['read'] }),
        }),
      )
    ).json()) as { id: string; key: string };
    await call(`/v1/keys/${created.id}`, authed(owner.key, { method: 'DELETE' }));
    // Audit rows are written after the response (waitUntil): wait for them to land.
    await vi.waitFor(async () => {
      const actions = (await page(owner.key, '?resource_type=api_key')).data.map((e) => e.action);
      expect(actions.sort()).toEqual(['api_key.create', 'api_key.revoke']);
    });
    const trail = JSON.stringify(await page(owner.key));
    expect(trail).not.toContain(created.key);
  });

  it('filters, paginates by cursor and never shows another tenant’s rows', async () => {
    const db = createDb(env.DB);
    const alice = await createUser('alice-a');
    const bob = await createUser('bob-a');
    // Ids are time-ordered; give each row its own millisecond so "newest first" is well defined.
    const base = Date.now() - 10_000;
    for (let i = 0; i < 5; i++) {
      await db.insert(auditLogs).values({
        id: newId('aud', base + i),
        ownerId: alice.id,
        actor: `user:${alice.id}`,
        action: i % 2 ? 'image.update' : 'image.delete',
        resourceId: `img_${i}`,
        outcome: 'success',
      });
    }
    await recordAudit(db, {
      ownerId: bob.id,
      actor: `user:${bob.id}`,
      action: 'image.delete',
      outcome: 'success',
    });
    await recordAudit(db, {
      ownerId: null,
      actor: 'anonymous',
      action: 'auth.api_key_failed',
      outcome: 'failure',
    });

    const first = await page(alice.key, '?limit=2');
    expect(first.data.map((e) => e.resource_id)).toEqual(['img_4', 'img_3']);
    const second = await page(alice.key, `?limit=2&cursor=${first.next_cursor}`);
    const third = await page(alice.key, `?limit=2&cursor=${second.next_cursor}`);
    expect([...second.data, ...third.data].map((e) => e.resource_id)).toEqual(['img_2', 'img_1', 'img_0']);
    expect(third.next_cursor).toBeNull();

    const deletes = await page(alice.key, '?action=image.delete');
    expect(deletes.data.map((e) => e.resource_id)).toEqual(['img_4', 'img_2', 'img_0']);
    expect((await page(bob.key)).data.every((e) => e.owner_id === bob.id)).toBe(true);

    const everyone = await call('/v1/audit-log?all=true', authed(alice.key));
    expect(everyone.status).toBe(403);
    expect((await errorOf(everyone)).code).toBe('FORBIDDEN');
  });

  it('admins may read every tenant, including unowned failures', async () => {
    const db = createDb(env.DB);
    const admin = await createUser('auditor', { isAdmin: true });
    await recordAudit(db, {
      ownerId: null,
      actor: 'anonymous',
      action: 'auth.api_key_failed',
      outcome: 'failure',
    });
    const all = await page(admin.key, '?all=true&outcome=failure');
    expect(all.data.map((e) => e.action)).toContain('auth.api_key_failed');
  });
});
