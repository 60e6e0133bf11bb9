import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { labelsNotAbove, openBrowser, type Browser } from './browser';

let browser: Browser;
// A webhook receiver on loopback (the e2e stack sets ALLOW_PRIVATE_WEBHOOK_TARGETS=true so the API may call it).
let receiver: Server;
let receiverUrl: string;
const received: { headers: IncomingHttpHeaders; body: string }[] = [];

beforeAll(async () => {
  browser = await openBrowser();
  receiver = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      received.push({ headers: request.headers, body });
      response.writeHead(200, { 'content-type': 'text/plain' }).end('pong from the e2e receiver');
    });
  });
  await new Promise<void>((listening) => receiver.listen(0, '127.0.0.1', listening));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
});
afterAll(async () => {
  await browser?.close();
  await new Promise((closed) => receiver?.close(closed));
});

/**
 * Standard Webhooks verification, written from the spec rather than with the API's library, so a shared bug
 * cannot pass: `webhook-signature` holds `v1,<base64 HMAC-SHA256("id.timestamp.body")>` entries, keyed by the
 * base64 after `whsec_`, and the timestamp must be recent.
 */
function signedWith(secret: string, { headers, body }: (typeof received)[number]): boolean {
  const [id, timestamp, signatures] = ['webhook-id', 'webhook-timestamp', 'webhook-signature'].map((name) =>
    String(headers[name] ?? ''),
  );
  if (!id || Math.abs(Date.now() / 1000 - Number(timestamp)) > 300) return false;
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest();
  return signatures.split(' ').some((entry) => {
    const [version, value = ''] = entry.split(',');
    const given = Buffer.from(value, 'base64');
    return version === 'v1' && given.length === expected.length && timingSafeEqual(given, expected);
  });
}

describe('settings: plan & billing', () => {
  it('is not shown at all on an instance without Stripe billing (the self-hosted default)', async () => {
    const { page } = browser;
    const { apiUrl, apiKeys } = inject('stack');
    await browser.visit('/settings');
    await page.getByTestId('key-name').waitFor();
    // The API says billing is off; the page then has no section, no heading and no button for it.
    const answer = await fetch(`${apiUrl}/v1/billing`, {
      headers: { authorization: `Bearer ${apiKeys.alice}` },
    });
    expect(((await answer.json()) as { error: { code: string } }).error.code).toBe('FEATURE_DISABLED');
    await page.waitForFunction(() => !document.querySelector('[data-testid="billing"]'));
    expect(await page.getByText('Plan & billing').count()).toBe(0);
  });
});

describe('settings: API keys', () => {
  it('creates a key shown once, which works from outside the browser until it is revoked', async () => {
    const { page } = browser;
    const { apiUrl } = inject('stack');
    await browser.visit('/settings');
    await page.getByTestId('key-name').fill('Build server');
    await page.getByRole('button', { name: 'Create key' }).click();
    const secret = await page.getByTestId('key-secret').inputValue();
    expect(secret.length).toBeGreaterThan(20);
    await page.getByTestId('key-row').filter({ hasText: 'Build server' }).waitFor();
    await browser.screenshots('settings');

    const listWith = (key: string) =>
      fetch(`${apiUrl}/v1/images`, { headers: { authorization: `Bearer ${key}` } }).then((r) => r.status);
    expect(await listWith(secret)).toBe(200);

    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Revoke Build server' }).click();
    await page.getByTestId('key-row').filter({ hasText: 'Build server' }).waitFor({ state: 'detached' });
    expect(await listWith(secret)).toBe(401);
  });
});

describe('settings: webhooks', () => {
  it('creates an endpoint, sends a signed test ping that shows in the delivery log, rotates, pauses and deletes', async () => {
    const { page } = browser;
    await browser.visit('/settings');
    await page.getByLabel('Endpoint URL').fill(receiverUrl);
    await page.getByLabel('Description (optional)').fill('E2E receiver');
    await page.getByRole('button', { name: 'Create webhook' }).click();
    const secret = await page.getByTestId('webhook-created').getByTestId('webhook-secret').inputValue();
    expect(secret).toMatch(/^whsec_/);

    const endpoint = page.getByTestId('webhook-item').filter({ hasText: receiverUrl });
    await endpoint.getByText('Active', { exact: true }).waitFor();
    await endpoint.getByRole('button', { name: 'Send test event' }).click();
    await endpoint
      .getByTestId('webhook-result')
      .filter({ hasText: 'Test event delivered: HTTP 200' })
      .waitFor();
    expect(received).toHaveLength(1);
    expect(JSON.parse(received[0]!.body)).toMatchObject({ type: 'ping' });
    expect(signedWith(secret, received[0]!)).toBe(true);
    expect(signedWith(`whsec_${Buffer.from('another secret').toString('base64')}`, received[0]!)).toBe(false);

    const row = endpoint.getByTestId('delivery-row').first();
    for (const text of ['ping', 'Succeeded', '200', 'pong from the e2e receiver'])
      await row.getByText(text).waitFor();

    // A rotated secret is shown once more and signs the next delivery.
    page.once('dialog', (dialog) => void dialog.accept());
    await endpoint.getByRole('button', { name: 'Rotate secret' }).click();
    const rotated = endpoint.getByTestId('webhook-secret');
    await rotated.waitFor();
    const newSecret = await rotated.inputValue();
    expect(newSecret).toMatch(/^whsec_/);
    expect(newSecret).not.toBe(secret);
    await endpoint.getByRole('button', { name: 'Send test event' }).click();
    await endpoint.getByTestId('delivery-row').nth(1).waitFor();
    expect(received).toHaveLength(2);
    expect(signedWith(newSecret, received[1]!)).toBe(true);

    // A real event arrives through the queue; "Send again" sends it once more with the same webhook-id (what
    // receivers dedupe by), signed with the current secret. Test pings are not kept, so they have no such button.
    const { apiUrl, apiKeys } = inject('stack');
    const created = await fetch(`${apiUrl}/v1/albums`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKeys.alice}`, 'content-type': 'application/json' },
      body: JSON.stringify({ slug: 'webhook-resend', title: 'Webhook resend' }),
    });
    expect(created.status).toBe(201);
    const albumEvents = () =>
      received.filter(({ body }) => (JSON.parse(body) as { type: string }).type === 'album.created');
    await expect.poll(() => albumEvents().length, { timeout: 20_000 }).toBe(1);
    // Closing and opening the log reloads it.
    await endpoint.getByRole('button', { name: 'Delivery log' }).click();
    await endpoint.getByRole('button', { name: 'Delivery log' }).click();
    const eventRow = endpoint.getByTestId('delivery-row').filter({ hasText: 'album.created' });
    await eventRow.getByRole('button', { name: /^Send again/ }).click();
    await endpoint
      .getByTestId('webhook-result')
      .filter({ hasText: 'Sent album.created again: HTTP 200' })
      .waitFor();
    expect(albumEvents()).toHaveLength(2);
    const [original, resent] = albumEvents() as [(typeof received)[number], (typeof received)[number]];
    expect(resent.headers['webhook-id']).toBe(original.headers['webhook-id']);
    expect(resent.body).toBe(original.body);
    expect(signedWith(newSecret, resent)).toBe(true);
    await expect.poll(() => eventRow.count()).toBe(2);
    const pingRows = endpoint.getByTestId('delivery-row').filter({ hasText: 'ping' });
    expect(await pingRows.getByRole('button', { name: /^Send again/ }).count()).toBe(0);
    await browser.screenshots('settings-webhooks', page.locator('#webhooks'));
    await fetch(`${apiUrl}/v1/albums/webhook-resend`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${apiKeys.alice}` },
    });

    await endpoint.getByRole('button', { name: 'Deactivate' }).click();
    await endpoint.getByText('Inactive', { exact: true }).waitFor();
    await browser.visit('/settings');
    await endpoint.getByText('Inactive', { exact: true }).waitFor();

    page.once('dialog', (dialog) => void dialog.accept());
    await endpoint.getByRole('button', { name: 'Delete' }).click();
    await endpoint.waitFor({ state: 'detached' });
    await page.getByTestId('webhooks-empty').waitFor();
  });
});

describe('settings: profile', () => {
  it('words a bad field, then saves a profile that survives a reload', async () => {
    const { page } = browser;
    const { apiUrl, apiKeys } = inject('stack');
    await browser.visit('/settings');
    const form = page.getByTestId('profile-form');
    await form.getByLabel('Display name').fill('Alice Example');
    await form.getByLabel('Website', { exact: true }).fill('alice.example');
    await form.getByRole('button', { name: 'Save profile' }).click();
    await form.getByText('Enter a full web address starting with http:// or https://.').waitFor();

    await form.getByLabel('Website', { exact: true }).fill('https://alice.example');
    await form.getByLabel('Bio').fill('Takes pictures of lighthouses.');
    await form.getByRole('button', { name: 'Save profile' }).click();
    await page.getByText('Profile saved.').waitFor();

    await browser.visit('/settings');
    expect(await form.getByLabel('Display name').inputValue()).toBe('Alice Example');
    expect(await form.getByLabel('Website', { exact: true }).inputValue()).toBe('https://alice.example');
    expect(await form.getByLabel('Bio').inputValue()).toBe('Takes pictures of lighthouses.');
    const me = await fetch(`${apiUrl}/v1/me`, { headers: { authorization: `Bearer ${apiKeys.alice}` } });
    expect(await me.json()).toMatchObject({
      display_name: 'Alice Example',
      website: 'https://alice.example',
    });
  });
});

describe('settings: export your data', () => {
  it('builds an export in the background and offers its archive, a ZIP that downloads without a key', async () => {
    const { page } = browser;
    await browser.visit('/settings');
    const section = page.locator('#export');
    await section.getByTestId('export-start').click();
    // The job runs in the local queue; the section follows it until it is ready.
    await section.locator('[data-testid="export-status"][data-state="ready"]').waitFor();
    const link = section.getByTestId('export-archive').first();
    const href = await link.getAttribute('href');
    expect(href).toMatch(/\/v1\/me\/export\/exp_[^/]+\/archives\/1\?expires=\d+&sig=/);
    await browser.screenshots('settings-export', section);
    const response = await fetch(href!);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/zip');
    const zip = Buffer.from(await response.arrayBuffer());
    // A local file header first, the end of the central directory last, the manifest among the entries.
    expect(zip.subarray(0, 4).toString('latin1')).toBe('PK\u0003\u0004');
    expect(zip.subarray(-22, -18).toString('latin1')).toBe('PK\u0005\u0006');
    expect(zip.includes('manifest.json')).toBe(true);
    // Another start while none is running is allowed again, and the button is back.
    expect(await section.getByTestId('export-start').isEnabled()).toBe(true);
  });
});

describe('settings: small screens', () => {
  it('fits 375 px without sideways scrolling, labels above their fields, wide tables scrolling inside their box', async () => {
    const { page } = browser;
    const { apiUrl, apiKeys } = inject('stack');
    const call = (path: string, init: RequestInit = {}) =>
      fetch(`${apiUrl}${path}`, {
        ...init,
        headers: { authorization: `Bearer ${apiKeys.alice}`, 'content-type': 'application/json' },
      });
    // A long URL and a delivery log, the widest things on the page.
    const url = `${receiverUrl}/a-rather-long-path-that-does-not-fit-on-a-phone-screen?and=a&query=string`;
    const webhook = (await (
      await call('/v1/webhooks', { method: 'POST', body: JSON.stringify({ url }) })
    ).json()) as {
      id: string;
    };
    expect((await call(`/v1/webhooks/${webhook.id}/test`, { method: 'POST' })).status).toBe(200);

    await page.setViewportSize({ width: 375, height: 800 });
    try {
      await browser.visit('/settings');
      await page.getByTestId('key-row').first().waitFor();
      await page.getByRole('button', { name: 'Delivery log' }).click();
      await page.getByTestId('delivery-row').first().waitFor();
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
      const { checked, misplaced } = await labelsNotAbove(page);
      expect(misplaced).toEqual([]);
      expect(checked).toBeGreaterThanOrEqual(6);
    } finally {
      await page.setViewportSize({ width: 1280, height: 900 });
      await call(`/v1/webhooks/${webhook.id}`, { method: 'DELETE' });
    }
  });
});
