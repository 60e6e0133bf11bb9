import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiAs, openBrowser, signInAs, type Browser } from './browser';

const fixtures = resolve(import.meta.dirname, '../../api/test/fixtures');
let owner: Browser;
// Bob's, so alice's library (which other files count) is left alone.
const api = apiAs('bob');
let imageId = '';

beforeAll(async () => {
  owner = await openBrowser();
  await signInAs(owner, 'bob');
  const form = new FormData();
  form.set('file', new Blob([await readFile(resolve(fixtures, 'stripe.jpg'))]), 'stripe.jpg');
  form.set('title', 'Shared stripe');
  form.set('is_private', 'true');
  const response = await api('/v1/upload?allow_duplicate=true', { method: 'POST', body: form });
  expect(response.status).toBe(201);
  imageId = ((await response.json()) as { id: string }).id;
}, 120_000);
afterAll(async () => {
  await owner?.close();
  if (imageId) await api(`/v1/images/${imageId}?permanent=true`, { method: 'DELETE' });
});

describe('share links', () => {
  it('a one-time password link made in the dashboard opens once for a visitor, then says it is gone', async () => {
    const { page } = owner;
    await owner.visit(`/images/${imageId}`);
    await page.getByTestId('share-open').click();
    await page.getByTestId('share-password').fill('tide pool');
    await page.getByTestId('share-one-time').check();
    await owner.screenshots('share-dialog', page.locator('dialog[open] .modal-box'));
    await page.getByTestId('share-create').click();
    const field = page.getByTestId('share-url');
    await field.waitFor();
    const url = await field.inputValue();
    expect(url).toMatch(/\/s\/[A-Za-z0-9_-]{24}$/);

    // A visitor: a browser of their own, with no session and no cookie of the owner's.
    const visitor = await openBrowser();
    try {
      const first = await visitor.page.goto(url);
      expect(first?.status()).toBe(200);
      await visitor.page.getByLabel('Password').fill('tide pool');
      await visitor.page.getByRole('button', { name: 'Open' }).click();
      const picture = visitor.page.getByRole('img', { name: 'Shared stripe' });
      await picture.waitFor();
      await visitor.page.waitForFunction(() =>
        [...document.images].every((image) => image.complete && image.naturalWidth > 0),
      );
      expect(await picture.getAttribute('src')).toContain('sig=');

      const again = await visitor.page.reload();
      expect(again?.status()).toBe(410);
      await visitor.page.getByRole('heading', { name: 'Link no longer available' }).waitFor();
      expect(await visitor.page.textContent('body')).toContain('used up');
    } finally {
      await visitor.close();
    }

    // The owner's list says so too.
    await owner.visit('/settings#shared-links');
    const row = page.getByTestId('shared-link').filter({ hasText: 'Shared stripe' }).first();
    await row.waitFor();
    expect(await row.getByTestId('shared-link-state').textContent()).toContain('Used up');
    expect(await row.getByTestId('shared-link-views').textContent()).toContain('1 of 1 views');
    await owner.screenshots('settings-shared-links', page.locator('#shared-links'));
  });

  it('revokes a link from Settings > Shared links', async () => {
    const created = await api('/v1/share-links', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ image_id: imageId }),
    });
    expect(created.status).toBe(201);
    const { id, url } = (await created.json()) as { id: string; url: string };
    expect((await fetch(url)).status).toBe(200);

    const { page } = owner;
    // Without the fragment: the page is at /settings#shared-links already, where the same URL would not reload.
    await owner.visit('/settings');
    page.once('dialog', (dialog) => void dialog.accept());
    await page
      .getByTestId('shared-link')
      .first()
      .getByRole('button', { name: 'Revoke Shared stripe' })
      .click();
    await page.getByText('The link to “Shared stripe” was revoked.').waitFor();
    expect(
      await page.getByTestId('shared-link').first().getByTestId('shared-link-state').textContent(),
    ).toContain('Revoked');
    expect((await fetch(url)).status).toBe(410);
    const link = (await (await api(`/v1/share-links/${id}`)).json()) as { state: string };
    expect(link.state).toBe('revoked');
  });
});
