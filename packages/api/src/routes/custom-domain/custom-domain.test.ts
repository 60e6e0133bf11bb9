import { CUSTOM_DOMAIN_VERIFICATION } from '@pixelflare/config';
import { createDb, customDomains, outboxEvents } from '@pixelflare/database';
import type { CustomDomain } from '@pixelflare/shared';
import { createExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { and, eq } from 'drizzle-orm';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { authed, BASE, call, createUser, errorOf, type TestUser } from '../../../test/helpers';
import {
  clearStandInFailures,
  dropStandInHostname,
  injectStandInFailure,
  setStandInHostname,
  standInHostname,
} from '../../../test/cloudflare-stand-in-control';
import {
  domainBindings,
  FALLBACK_CNAME,
  fetchWith,
  runPoll,
  uniqueHostname,
  type SentPoll,
} from '../../../test/fixtures/domain-helpers';
import { createJobContext } from '../../jobs/context';
import { consumeDomainsMessage } from '../../jobs/domains';
import { EnvError, loadEnv, type Bindings } from '../../lib/env';
import { createLogger } from '../../lib/logger';

const db = createDb(env.DB);
let alice: TestUser;
let bob: TestUser;
let carol: TestUser;

beforeAll(async () => {
  alice = await createUser('alice');
  bob = await createUser('bob');
  carol = await createUser('carol');
});
afterEach(async () => {
  await clearStandInFailures();
  // Each test starts with no domains (one per account).
  await db.delete(customDomains);
});

const json = (body: unknown) => ({
  method: 'POST',
  headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify(body),
});

function api(bindings: Bindings, user: TestUser, path: string, init: RequestInit = {}) {
  return fetchWith(bindings, `${BASE}/v1${path}`, authed(user.key, init));
}

async function addDomain(bindings: Bindings, user: TestUser, hostname: string) {
  const response = await api(bindings, user, '/custom-domain', json({ hostname }));
  expect(response.status, await response.clone().text()).toBe(201);
  return (await response.json()) as CustomDomain;
}

const rowOf = async (hostname: string) =>
  (await db.select().from(customDomains).where(eq(customDomains.hostname, hostname)))[0];
const eventsOf = async (ownerId: string, type: string) =>
  db
    .select()
    .from(outboxEvents)
    .where(and(eq(outboxEvents.ownerId, ownerId), eq(outboxEvents.type, type)));
const jobContext = (bindings: Bindings) =>
  createJobContext(bindings, createLogger({ test: 'domains' }), createExecutionContext());
const lastPoll = (sent: SentPoll[]) => sent.at(-1)!;

describe('configuration', () => {
  it('answers 404 FEATURE_DISABLED on every route when custom domains are off', async () => {
    for (const [method, path] of [
      ['GET', '/v1/custom-domain'],
      ['POST', '/v1/custom-domain'],
      ['DELETE', '/v1/custom-domain'],
      ['POST', '/v1/custom-domain/recheck'],
    ] as const) {
      const response = await call(
        path,
        authed(alice.key, {
          method,
          ...(method === 'POST'
            ? { headers: { 'Content-Type': 'application/json' }, body: '{"hostname":"a.com"}' }
            : {}),
        }),
      );
      expect(response.status, `${method} ${path}`).toBe(404);
      expect((await errorOf(response)).code).toBe('FEATURE_DISABLED');
    }
  });

  it('refuses to start with half a configuration, naming what is missing', () => {
    const problems = (() => {
      try {
        loadEnv({ ...env, ENABLE_CUSTOM_DOMAINS: 'true', CLOUDFLARE_ZONE_ID: 'zone' } as unknown as Bindings);
        return [];
      } catch (error) {
        if (error instanceof EnvError) return error.problems;
        throw error;
      }
    })();
    expect(problems).toEqual([
      'CLOUDFLARE_API_TOKEN is required by ENABLE_CUSTOM_DOMAINS=true',
      'CUSTOM_DOMAIN_FALLBACK_CNAME is required by ENABLE_CUSTOM_DOMAINS=true',
    ]);
  });
});

describe('POST /v1/custom-domain', () => {
  it('registers the host name with Cloudflare and answers with its DNS records exactly as Cloudflare returned them', async () => {
    const { bindings, sent } = domainBindings();
    const hostname = uniqueHostname();
    const domain = await addDomain(bindings, alice, hostname);
    const atCloudflare = (await standInHostname(hostname)) as {
      id: string;
      ssl: { type: string; method: string; validation_records: { txt_name: string; txt_value: string }[] };
      ownership_verification: { name: string; value: string };
    };
    expect(atCloudflare.ssl).toMatchObject({ type: 'dv', method: 'txt' });
    expect(domain).toMatchObject({ hostname, status: 'pending', checks: 0, reason: null, verified_at: null });
    expect(domain.dns_records).toEqual([
      { type: 'CNAME', name: hostname, value: FALLBACK_CNAME, purpose: 'routing' },
      {
        type: 'TXT',
        name: atCloudflare.ownership_verification.name,
        value: atCloudflare.ownership_verification.value,
        purpose: 'ownership',
      },
      {
        type: 'TXT',
        name: atCloudflare.ssl.validation_records[0]!.txt_name,
        value: atCloudflare.ssl.validation_records[0]!.txt_value,
        purpose: 'certificate',
      },
    ]);
    expect((await rowOf(hostname))!.cloudflareHostnameId).toBe(atCloudflare.id);
    // The first poll is queued 30 s out.
    expect(sent).toEqual([
      {
        body: { type: 'verify-domain', domainId: (await rowOf(hostname))!.id, ownerId: alice.id, poll: 1 },
        delaySeconds: CUSTOM_DOMAIN_VERIFICATION.pollIntervalSeconds,
      },
    ]);
    const got = await api(bindings, alice, '/custom-domain');
    expect(got.status).toBe(200);
    expect(await got.json()).toEqual(domain);
  });

  it('lower-cases and IDNA-normalises the name', async () => {
    const { bindings } = domainBindings();
    const suffix = crypto.randomUUID().slice(0, 8);
    const domain = await addDomain(bindings, alice, `Bilder.Müller-${suffix}.COM.`);
    expect(domain.hostname).toBe(new URL(`http://bilder.müller-${suffix}.com`).hostname);
    expect(domain.hostname).toMatch(/^bilder\.xn--mller-.*\.com$/);
  });

  it('refuses what is not a host name of the owner’s with 400 naming the field', async () => {
    const { bindings } = domainBindings();
    for (const hostname of [
      'https://img.example.com',
      'img.example.com:8443',
      'img.example.com/path',
      'user@img.example.com',
      '203.0.113.9',
      '2130706433',
      '[2001:db8::1]',
      'intranet',
      'a..b.com',
      '-bad-.example.com',
      `${'a'.repeat(64)}.example.com`,
      'photos.localhost',
      'me.workers.dev',
      FALLBACK_CNAME,
      `x.${FALLBACK_CNAME}`,
      '',
    ]) {
      const response = await api(bindings, alice, '/custom-domain', json({ hostname }));
      expect(response.status, hostname).toBe(400);
      const error = await errorOf(response);
      expect(error.code, hostname).toBe('VALIDATION_FAILED');
      expect(
        error.issues?.map((issue) => issue.path),
        hostname,
      ).toEqual(['hostname']);
    }
    expect(await db.select().from(customDomains)).toEqual([]);
  });

  it('is 409 when another account claimed the name, 409 for a second domain, 200 for the same one again', async () => {
    const { bindings } = domainBindings();
    const hostname = uniqueHostname();
    await addDomain(bindings, alice, hostname);
    const claimed = await api(bindings, bob, '/custom-domain', json({ hostname }));
    expect(claimed.status).toBe(409);
    expect((await errorOf(claimed)).message).toContain('another account');
    const second = await api(bindings, alice, '/custom-domain', json({ hostname: uniqueHostname() }));
    expect(second.status).toBe(409);
    const again = await api(bindings, alice, '/custom-domain', json({ hostname: hostname.toUpperCase() }));
    expect(again.status).toBe(200);
    expect(await db.select().from(customDomains)).toHaveLength(1);
  });

  it('leaves nothing behind when Cloudflare refuses: 429 is 503 with Retry-After, 5xx 503, a duplicate 409, a bad name 422', async () => {
    const { bindings } = domainBindings();
    const cases = [
      { status: 429, code: 10000, message: 'Rate limited', retryAfter: 17, expect: 503 },
      { status: 500, code: 1000, message: 'Internal error', expect: 503 },
      { status: 409, code: 1406, message: 'Duplicate custom hostname found.', expect: 409 },
      { status: 400, code: 1409, message: 'The custom hostname you entered is invalid.', expect: 422 },
    ];
    for (const failure of cases) {
      await injectStandInFailure({ method: 'POST', path: '/custom_hostnames$', times: 1, ...failure });
      const hostname = uniqueHostname();
      const response = await api(bindings, alice, '/custom-domain', json({ hostname }));
      expect(response.status, failure.message).toBe(failure.expect);
      expect((await errorOf(response)).message).toContain(failure.message);
      if (failure.retryAfter) expect(response.headers.get('Retry-After')).toBe('17');
      expect(await rowOf(hostname)).toBeUndefined();
    }
  });

  it('names a token Cloudflare refuses as the server’s misconfiguration (503), not the user’s', async () => {
    const { bindings } = domainBindings({ CLOUDFLARE_API_TOKEN: 'a-token-without-ssl-edit' });
    const hostname = uniqueHostname();
    const response = await api(bindings, alice, '/custom-domain', json({ hostname }));
    expect(response.status).toBe(503);
    expect((await errorOf(response)).code).toBe('MISCONFIGURED');
    expect(await rowOf(hostname)).toBeUndefined();
  });
});

describe('verification through the domains queue', () => {
  it('goes pending → active, emits domain.active once, and a poll delivered twice changes nothing twice', async () => {
    const { bindings, sent } = domainBindings();
    const hostname = uniqueHostname();
    await addDomain(bindings, alice, hostname);

    // Poll 1: Cloudflare still pending; poll 2 is queued 30 s out.
    expect((await runPoll(bindings, lastPoll(sent).body)).retryMessages).toEqual([]);
    expect((await rowOf(hostname))!).toMatchObject({ status: 'pending', verificationAttempts: 1 });
    expect(lastPoll(sent)).toEqual({
      body: expect.objectContaining({ poll: 2 }),
      delaySeconds: CUSTOM_DOMAIN_VERIFICATION.pollIntervalSeconds,
    });

    await setStandInHostname(hostname, { status: 'active', ssl_status: 'active', verification_errors: [] });
    const poll2 = lastPoll(sent).body;
    await runPoll(bindings, poll2);
    const active = (await rowOf(hostname))!;
    expect(active).toMatchObject({ status: 'active', verificationAttempts: 2, lastError: null });
    expect(active.verifiedAt).toBeInstanceOf(Date);
    const events = await eventsOf(alice.id, 'domain.active');
    expect(events).toHaveLength(1);
    expect(events[0]!.payload).toMatchObject({ hostname, status: 'active' });

    const queued = sent.length;
    await runPoll(bindings, poll2);
    await runPoll(bindings, { ...poll2, poll: 1 });
    expect(await rowOf(hostname)).toEqual(active);
    expect(await eventsOf(alice.id, 'domain.active')).toHaveLength(1);
    expect(sent).toHaveLength(queued);

    const got = (await (await api(bindings, alice, '/custom-domain')).json()) as CustomDomain;
    expect(got).toMatchObject({
      status: 'active',
      cloudflare_status: 'active',
      ssl_status: 'active',
      checks: 2,
    });
  });

  it('a pending poll delivered twice queues one next poll, not two', async () => {
    const { bindings, sent } = domainBindings();
    await addDomain(bindings, alice, uniqueHostname());
    const first = lastPoll(sent).body;
    await runPoll(bindings, first);
    await runPoll(bindings, first);
    expect(sent.map((poll) => poll.body.poll)).toEqual([1, 2]);
  });

  for (const failure of [
    {
      name: 'blocked',
      change: { status: 'blocked', verification_errors: ['This hostname is on a blocklist.'] },
      status: 'blocked',
      reason: 'This hostname is on a blocklist.',
    },
    {
      name: 'certificate validation timed out',
      change: {
        verification_errors: [],
        ssl_status: 'validation_timed_out',
        validation_errors: [{ message: 'TXT record not found at _acme-challenge' }],
      },
      status: 'error',
      reason: 'TXT record not found at _acme-challenge',
    },
    {
      name: 'moved away',
      change: { status: 'moved', verification_errors: [] },
      status: 'error',
      reason: 'Cloudflare reports the hostname as moved',
    },
  ]) {
    it(`ends ${failure.status} when Cloudflare says ${failure.name}, keeping its reason, with domain.failed`, async () => {
      const { bindings, sent } = domainBindings();
      const hostname = uniqueHostname();
      await addDomain(bindings, carol, hostname);
      await setStandInHostname(hostname, failure.change);
      await runPoll(bindings, lastPoll(sent).body);
      expect(await rowOf(hostname)).toMatchObject({ status: failure.status, lastError: failure.reason });
      expect(sent).toHaveLength(1);
      const events = await eventsOf(carol.id, 'domain.failed');
      expect(events.at(-1)!.payload).toMatchObject({
        hostname,
        status: failure.status,
        reason: failure.reason,
      });
      await db.delete(outboxEvents).where(eq(outboxEvents.ownerId, carol.id));
    });
  }

  it('is error when Cloudflare no longer has the hostname', async () => {
    const { bindings, sent } = domainBindings();
    const hostname = uniqueHostname();
    await addDomain(bindings, alice, hostname);
    await dropStandInHostname(hostname);
    await runPoll(bindings, lastPoll(sent).body);
    expect((await rowOf(hostname))!.status).toBe('error');
    expect((await rowOf(hostname))!.lastError).toContain('no longer has');
  });

  it(`times out after ${CUSTOM_DOMAIN_VERIFICATION.maxPolls} polls; recheck restarts it`, async () => {
    const { bindings, sent } = domainBindings();
    const hostname = uniqueHostname();
    await addDomain(bindings, alice, hostname);
    // Polls 1 to 40, each delivered as the queue would, all while Cloudflare stays pending.
    for (let poll = 1; poll <= CUSTOM_DOMAIN_VERIFICATION.maxPolls; poll++) {
      expect(lastPoll(sent).body.poll).toBe(poll);
      await runPoll(bindings, lastPoll(sent).body);
    }
    expect(sent).toHaveLength(CUSTOM_DOMAIN_VERIFICATION.maxPolls);
    const row = (await rowOf(hostname))!;
    expect(row).toMatchObject({ status: 'timed_out', verificationAttempts: 40 });
    expect(row.lastError).toContain('custom hostname does not CNAME to this zone.');
    expect((await eventsOf(alice.id, 'domain.failed')).at(-1)!.payload).toMatchObject({
      status: 'timed_out',
    });

    const recheck = await api(bindings, alice, '/custom-domain/recheck', { method: 'POST' });
    expect(recheck.status).toBe(202);
    expect(await recheck.json()).toMatchObject({ status: 'pending', checks: 0, reason: null });
    expect(lastPoll(sent)).toEqual({ body: expect.objectContaining({ poll: 1 }), delaySeconds: 0 });
    await setStandInHostname(hostname, { status: 'active', ssl_status: 'active' });
    await runPoll(bindings, lastPoll(sent).body);
    expect((await rowOf(hostname))!.status).toBe('active');
    const again = await api(bindings, alice, '/custom-domain/recheck', { method: 'POST' });
    expect(again.status).toBe(409);
  }, 120_000);

  it('retries a rate-limited poll after Cloudflare’s Retry-After without using one of the 40', async () => {
    const { bindings, sent } = domainBindings();
    const hostname = uniqueHostname();
    await addDomain(bindings, alice, hostname);
    const rateLimited = {
      method: 'GET',
      path: '/custom_hostnames/',
      status: 429,
      code: 10000,
      message: 'Rate limited. Please wait and consider throttling your request speed',
      retryAfter: 42,
    };
    await injectStandInFailure({ ...rateLimited, times: 1 });
    const poll = lastPoll(sent).body;
    await expect(consumeDomainsMessage(poll, jobContext(bindings))).rejects.toMatchObject({
      name: 'RetryLater',
      delaySeconds: 42,
    });
    await injectStandInFailure({ ...rateLimited, times: 1 });
    const result = await runPoll(bindings, poll);
    expect(result.retryMessages).toEqual([{ msgId: 'msg-1' }]);
    expect((await rowOf(hostname))!.verificationAttempts).toBe(0);
    expect(sent).toHaveLength(1);
    // The retried message then runs as poll 1.
    await runPoll(bindings, lastPoll(sent).body);
    expect((await rowOf(hostname))!.verificationAttempts).toBe(1);
  });

  it('uses a poll and stays pending when Cloudflare fails otherwise, saying so', async () => {
    const { bindings, sent } = domainBindings();
    const hostname = uniqueHostname();
    await addDomain(bindings, alice, hostname);
    await injectStandInFailure({
      method: 'GET',
      path: '/custom_hostnames/',
      status: 502,
      code: 1000,
      message: 'Bad gateway',
      times: 1,
    });
    await runPoll(bindings, lastPoll(sent).body);
    expect(await rowOf(hostname)).toMatchObject({ status: 'pending', verificationAttempts: 1 });
    expect((await rowOf(hostname))!.lastError).toContain('Bad gateway');
    expect(lastPoll(sent).body.poll).toBe(2);
  });
});

describe('DELETE /v1/custom-domain', () => {
  it('removes it at Cloudflare and here; when Cloudflare fails nothing is removed', async () => {
    const { bindings } = domainBindings();
    const hostname = uniqueHostname();
    await addDomain(bindings, alice, hostname);
    await injectStandInFailure({
      method: 'DELETE',
      path: '/custom_hostnames/',
      status: 500,
      code: 1000,
      message: 'Internal error',
      times: 1,
    });
    const failed = await api(bindings, alice, '/custom-domain', { method: 'DELETE' });
    expect(failed.status).toBe(503);
    expect(await rowOf(hostname)).toBeDefined();
    expect(await standInHostname(hostname)).not.toBeNull();

    const removed = await api(bindings, alice, '/custom-domain', { method: 'DELETE' });
    expect(removed.status).toBe(200);
    expect(await rowOf(hostname)).toBeUndefined();
    expect(await standInHostname(hostname)).toBeNull();
    const gone = await api(bindings, alice, '/custom-domain');
    expect(gone.status).toBe(404);
    expect((await errorOf(gone)).code).toBe('NOT_FOUND');
    // The name is free again, for anyone.
    await addDomain(bindings, bob, hostname);
  });

  it('only ever touches the caller’s own domain', async () => {
    const { bindings } = domainBindings();
    const hostname = uniqueHostname();
    await addDomain(bindings, alice, hostname);
    expect((await api(bindings, bob, '/custom-domain')).status).toBe(404);
    expect((await api(bindings, bob, '/custom-domain', { method: 'DELETE' })).status).toBe(404);
    expect((await api(bindings, bob, '/custom-domain/recheck', { method: 'POST' })).status).toBe(404);
    expect(await rowOf(hostname)).toBeDefined();
  });
});
