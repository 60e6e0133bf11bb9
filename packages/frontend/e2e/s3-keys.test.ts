import { createHash, createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openBrowser, type Browser } from './browser';

let browser: Browser;
beforeAll(async () => {
  browser = await openBrowser();
});
afterAll(async () => {
  await browser?.close();
});

/**
 * ListBuckets signed with AWS Signature Version 4, written here from the specification with node:crypto (not with
 * the API's signer), so a shared mistake cannot pass.
 */
async function listBuckets(endpoint: string, accessKeyId: string, secret: string): Promise<Response> {
  const url = new URL(`${endpoint}/`);
  const datetime = new Date().toISOString().replace(/[:-]|\.\d{3}/g, '');
  const date = datetime.slice(0, 8);
  const scope = `${date}/auto/s3/aws4_request`;
  const canonical = [
    'GET',
    url.pathname,
    '',
    `host:${url.host}`,
    'x-amz-content-sha256:UNSIGNED-PAYLOAD',
    `x-amz-date:${datetime}`,
    '',
    'host;x-amz-content-sha256;x-amz-date',
    'UNSIGNED-PAYLOAD',
  ].join('\n');
  const toSign = [
    'AWS4-HMAC-SHA256',
    datetime,
    scope,
    createHash('sha256').update(canonical).digest('hex'),
  ].join('\n');
  let key: Buffer = Buffer.from(`AWS4${secret}`);
  for (const part of [date, 'auto', 's3', 'aws4_request'])
    key = createHmac('sha256', key).update(part).digest();
  const signature = createHmac('sha256', key).update(toSign).digest('hex');
  return fetch(url, {
    headers: {
      'x-amz-content-sha256': 'UNSIGNED-PAYLOAD',
      'x-amz-date': datetime,
      authorization: `AWS4-HMAC-SHA256 Credential=${accessKeyId}/${scope}, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=${signature}`,
    },
  });
}

describe('settings: S3 access keys', () => {
  it('creates a key pair shown once, with the endpoint and bucket, which signs S3 requests until revoked', async () => {
    const { page } = browser;
    const { apiUrl } = inject('stack');
    await browser.visit('/settings');
    await page.getByTestId('s3-key-name').fill('rclone on the NAS');
    await page.getByRole('button', { name: 'Create S3 key' }).click();
    const secret = await page.getByTestId('s3-key-secret').inputValue();
    const accessKeyId = await page.getByTestId('s3-key-id').inputValue();
    const endpoint = await page.getByTestId('s3-endpoint').inputValue();
    expect(await page.getByTestId('s3-bucket').inputValue()).toBe('alice');
    expect(endpoint).toBe(`${apiUrl}/s3`);
    expect(secret).toHaveLength(40);
    const row = page.getByTestId('s3-key-row').filter({ hasText: 'rclone on the NAS' });
    await row.waitFor();
    expect(await row.textContent()).toContain(accessKeyId);
    expect(await row.textContent()).not.toContain(secret);
    await browser.screenshots('settings-s3-keys', page.locator('#s3-keys'));

    const listed = await listBuckets(endpoint, accessKeyId, secret);
    expect(listed.status).toBe(200);
    expect(await listed.text()).toContain('<Name>alice</Name>');

    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Revoke rclone on the NAS' }).click();
    await row.waitFor({ state: 'detached' });
    const refused = await listBuckets(endpoint, accessKeyId, secret);
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain('<Code>InvalidAccessKeyId</Code>');
  });
});
