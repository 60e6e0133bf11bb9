import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import startS3Server from '../../api/test/global-setup-s3';
import { uniquePng } from '../../cli/test/helpers';
import { openBrowser, type Browser } from './browser';

/**
 * Settings › Backups in Chromium against the real SigV4-checking S3 server on loopback (the API's own test server,
 * @20minutes/s3rver on Node 24; the e2e stack allows loopback targets with ALLOW_PRIVATE_WEBHOOK_TARGETS).
 */

let browser: Browser;
let stopS3: () => Promise<void>;
const s3: Record<string, string> = {};

beforeAll(async () => {
  stopS3 = await startS3Server({ provide: (key, value) => (s3[key] = value) });
  browser = await openBrowser();
});
afterAll(async () => {
  await browser?.close();
  await stopS3?.();
});

describe('settings: backups', () => {
  it('saves a destination, shows each step of Test connection, and Back up now brings the counts to done', async () => {
    const { page } = browser;
    const { apiUrl, apiKeys } = inject('stack');
    // One more image of alice's (the dashboard's user), so there is something to back up.
    const form = new FormData();
    // Bytes of its own: the same fixture uploaded by another file on the shared stack would be a duplicate (200).
    form.set('file', new File([uniquePng(20, 20)], 'backup-e2e.png', { type: 'image/png' }));
    const uploaded = await fetch(`${apiUrl}/v1/upload`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKeys.alice}` },
      body: form,
    });
    expect(uploaded.status).toBe(201);

    await browser.visit('/settings');
    const section = page.locator('#backups');
    const fill = async (wrong: boolean) => {
      await section.getByRole('textbox', { name: 'S3 endpoint', exact: true }).fill(s3.s3Endpoint!);
      await section.getByRole('textbox', { name: 'Bucket', exact: true }).fill('backups');
      await section.getByRole('textbox', { name: 'Region', exact: true }).fill('us-east-1');
      await section.getByRole('textbox', { name: 'Key prefix (optional)', exact: true }).fill('e2e/');
      await section.getByRole('textbox', { name: 'Access key ID', exact: true }).fill(s3.s3AccessKeyId!);
      await section
        .getByLabel('Secret access key', { exact: true })
        .fill(wrong ? 'not-the-right-secret-at-all' : s3.s3SecretAccessKey!);
      await section.getByRole('button', { name: 'Save', exact: true }).click();
      await section.getByText('Saved. Use Test connection to check it.').waitFor();
    };

    // A wrong secret: the first step fails with S3's own code.
    await fill(true);
    await section.getByRole('button', { name: 'Test connection' }).click();
    const write = section.getByTestId('backup-step-write');
    await write.waitFor();
    expect(await write.textContent()).toContain('SignatureDoesNotMatch');
    expect(await section.getByTestId('backup-step-read').count()).toBe(0);

    // The right one: every step passes.
    await fill(false);
    await section.getByRole('button', { name: 'Test connection' }).click();
    for (const step of ['write', 'read', 'list', 'delete']) {
      const item = section.getByTestId(`backup-step-${step}`);
      await item.waitFor();
      expect((await item.textContent())?.trim().startsWith('✓'), step).toBe(true);
    }

    // Back up now: the counts refresh by themselves until nothing is queued, and everything is done.
    await section.getByRole('button', { name: 'Back up now' }).click();
    await section.getByText(/queued for backup/).waitFor();
    const count = async (state: string) =>
      Number(await section.getByTestId(`backup-count-${state}`).textContent());
    const status = await fetch(`${apiUrl}/v1/backup/status`, {
      headers: { authorization: `Bearer ${apiKeys.alice}` },
    });
    const total = Object.values(((await status.json()) as { counts: Record<string, number> }).counts).reduce(
      (sum, n) => sum + n,
      0,
    );
    expect(total).toBeGreaterThan(0);
    await page.waitForFunction(
      (expected) =>
        document.querySelector('[data-testid="backup-count-done"]')?.textContent?.trim() ===
          String(expected) &&
        document.querySelector('[data-testid="backup-count-pending"]')?.textContent?.trim() === '0',
      total,
    );
    expect(await count('failed')).toBe(0);
    expect(await count('none')).toBe(0);

    // Removed again, so the other dashboard tests' uploads are not backed up to a server this file stops.
    await section.getByRole('button', { name: 'Remove destination' }).click();
    await section.getByRole('button', { name: 'Test connection' }).waitFor({ state: 'detached' });
    const after = await fetch(`${apiUrl}/v1/backup/config`, {
      headers: { authorization: `Bearer ${apiKeys.alice}` },
    });
    expect(after.status).toBe(404);
  });
});
