import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { uniquePng } from '../../cli/test/helpers';
import { apiAs, openBrowser, type Browser } from './browser';

let browser: Browser;
// A web server on loopback to import from (the e2e stack lets the API fetch private addresses).
let server: Server;
let origin: string;
const served = new Map<string, Buffer>();

beforeAll(async () => {
  browser = await openBrowser();
  server = createServer((request, response) => {
    const image = served.get(request.url ?? '');
    if (image) response.writeHead(200, { 'content-type': 'image/png' }).end(image);
    else response.writeHead(404).end();
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await browser?.close();
  await new Promise((closed) => server?.close(closed));
});

const alice = apiAs('alice');
async function imageNamed(filename: string) {
  const page = (await (await alice(`/v1/images?q=${encodeURIComponent(filename)}`)).json()) as {
    data: { filename: string; width: number }[];
  };
  return page.data.find((image) => image.filename === filename);
}

describe('upload page: drag and drop, pasted images and pasted URLs', () => {
  it('takes a file dropped on it', async () => {
    const { page } = browser;
    await browser.visit('/upload');
    const name = `dropped-${Date.now()}.png`;
    const dataTransfer = await page.evaluateHandle(
      ({ bytes, name }) => {
        const transfer = new DataTransfer();
        transfer.items.add(new File([new Uint8Array(bytes)], name, { type: 'image/png' }));
        return transfer;
      },
      { bytes: [...uniquePng(24, 24)], name },
    );
    const zone = page.locator('.uppy-Dashboard-inner');
    await zone.dispatchEvent('dragenter', { dataTransfer });
    await zone.dispatchEvent('dragover', { dataTransfer });
    await zone.dispatchEvent('drop', { dataTransfer });
    await page.locator('.uppy-Dashboard-Item-name', { hasText: name }).waitFor();
    await page.locator('.uppy-StatusBar-actionBtn--upload').click();
    await page.locator('[data-testid="upload-row"][data-state="done"]', { hasText: name }).waitFor();
    expect(await imageNamed(name)).toMatchObject({ filename: name, width: 24 });
  });

  it('takes an image pasted from the clipboard anywhere on the page', async () => {
    const { page } = browser;
    await browser.visit('/upload');
    await page.locator('.uppy-Dashboard-inner').waitFor();
    // What a browser hands a page for a copied screenshot: a file called image.png.
    await page.evaluate(
      (bytes) => {
        const clipboard = new DataTransfer();
        clipboard.items.add(new File([new Uint8Array(bytes)], 'image.png', { type: 'image/png' }));
        document.body.dispatchEvent(new ClipboardEvent('paste', { clipboardData: clipboard, bubbles: true }));
      },
      [...uniquePng(20, 20)],
    );
    const item = page.locator('.uppy-Dashboard-Item-name', { hasText: /^pasted-/ });
    await item.waitFor();
    const name = (await item.getAttribute('title')) ?? (await item.textContent())!.trim();
    await page.locator('.uppy-StatusBar-actionBtn--upload').click();
    await page.locator('[data-testid="upload-row"][data-state="done"]').first().waitFor();
    expect(await imageNamed(name)).toMatchObject({ filename: name, width: 20 });
  });

  it('imports a pasted or typed URL through the server, and says why one was refused', async () => {
    const { page } = browser;
    const name = `linked-${Date.now()}.png`;
    served.set(`/${name}`, uniquePng(28, 28));
    await browser.visit('/upload');
    await page.locator('.uppy-Dashboard-inner').waitFor();
    await page.evaluate((url) => {
      const clipboard = new DataTransfer();
      clipboard.setData('text/plain', url);
      document.body.dispatchEvent(new ClipboardEvent('paste', { clipboardData: clipboard, bubbles: true }));
    }, `${origin}/${name}`);
    await page.locator('[data-testid="upload-row"][data-state="done"]', { hasText: name }).waitFor();
    expect(await imageNamed(name)).toMatchObject({ filename: name, width: 28 });

    // Typed into the field: a URL that answers 404 is refused, with the API's reason.
    await page.getByTestId('upload-url').fill(`${origin}/missing.png`);
    await page.getByRole('button', { name: 'Import' }).click();
    const refused = page.locator('[data-testid="upload-row"][data-state="refused"]');
    await refused.waitFor();
    expect(await refused.getByRole('alert').textContent()).toBe(
      'The server could not get an image from that link (it did not answer, answered an error, or was not an image).',
    );
  });
});

describe('settings: screenshot tools', () => {
  const run = (script: string, args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
      execFile(
        'bash',
        [script, ...args],
        { env: { PATH: process.env.PATH ?? '' } },
        (error, stdout, stderr) =>
          done({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
      );
    });

  for (const [tool, button, file] of [
    ['Flameshot', 'Download for Flameshot (Linux)', 'pixelflare-flameshot.sh'],
    ['macOS screenshots', 'Download for macOS', 'pixelflare-screenshot.sh'],
  ] as const) {
    it(`${button}: a script that uploads with its own upload-only key and prints the URL`, async () => {
      const { page } = browser;
      await browser.visit('/settings');
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('button', { name: button }).click(),
      ]);
      expect(download.suggestedFilename()).toBe(file);
      const script = join(mkdtempSync(join(tmpdir(), 'pixelflare-script-')), file);
      await download.saveAs(script);
      chmodSync(script, 0o755);
      await page.getByTestId('key-row').filter({ hasText: tool }).first().waitFor();

      // With file arguments it uploads them instead of taking a screenshot: bash and curl, nothing else.
      const dir = mkdtempSync(join(tmpdir(), 'pixelflare-shot-'));
      const shot = join(dir, `shot-${Date.now()}.png`);
      writeFileSync(shot, uniquePng(30, 30));
      const uploaded = await run(script, [shot]);
      expect(uploaded.code, uploaded.stderr).toBe(0);
      const url = uploaded.stdout.trim();
      expect(url).toMatch(/^https?:\/\/.+\/cdn\//);
      const image = await fetch(url);
      expect(image.status).toBe(200);
      expect(image.headers.get('content-type')).toBe('image/png');

      // Its key can only upload: reading is refused, and a file the API refuses fails with its message.
      const key = /PIXELFLARE_API_KEY='([^']+)'/.exec(readFileSync(script, 'utf8'))![1]!;
      const { apiUrl } = inject('stack');
      expect(
        (await fetch(`${apiUrl}/v1/images`, { headers: { authorization: `Bearer ${key}` } })).status,
      ).toBe(403);
      const text = join(dir, 'notes.png');
      writeFileSync(text, 'not an image');
      const refused = await run(script, [text]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/^pixelflare: .+\(HTTP 415\)/m);
    });
  }
});
