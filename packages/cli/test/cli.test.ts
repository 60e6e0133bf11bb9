import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { pixelflare, tempDir, uniquePng, writePng, type Run } from './helpers';

const stack = inject('cliStack');
const alice = { PIXELFLARE_URL: stack.apiUrl, PIXELFLARE_API_KEY: stack.apiKeys.alice };

/** The environment of somebody who has logged in nowhere: a config directory of their own. */
const fresh = () => {
  const home = tempDir('home');
  return { HOME: home, PIXELFLARE_CONFIG_DIR: join(home, 'config') };
};
const asAlice = () => ({ ...fresh(), ...alice });

const json = <T>(run: Run): T => {
  expect(run.stderr, run.stderr).not.toMatch(/pixelflare: /);
  return JSON.parse(run.stdout) as T;
};
const errorOf = (run: Run) =>
  (JSON.parse(run.stderr.trim().split('\n').at(-1)!) as { error: { code: string } }).error;

interface UploadResults {
  results: {
    file: string;
    status: string;
    reason?: string;
    output?: string;
    error?: { code: string };
    image?: {
      id: string;
      album: string | null;
      tags: string[];
      is_private: boolean;
      bytes: number;
      access: string;
    };
  }[];
}

describe('login and whoami', () => {
  it('keeps the URL and key in the config directory, readable by its owner only, and uses them', async () => {
    const env = fresh();
    const login = await pixelflare(
      ['login', '--url', `${stack.apiUrl}/`, '--api-key', stack.apiKeys.alice],
      env,
    );
    expect(login.code, login.stderr).toBe(0);
    expect(login.stdout).toContain('as alice');
    const file = join(env.PIXELFLARE_CONFIG_DIR, 'config.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(env.PIXELFLARE_CONFIG_DIR).mode & 0o777).toBe(0o700);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({
      url: stack.apiUrl,
      apiKey: stack.apiKeys.alice,
    });

    const whoami = await pixelflare(['whoami'], env);
    expect(whoami.code).toBe(0);
    expect(whoami.stdout).toMatch(/^alice \(admin\) at /);
    // The environment overrides the stored login.
    const asBob = await pixelflare(['whoami', '--json'], { ...env, PIXELFLARE_API_KEY: stack.apiKeys.bob });
    expect(json<{ slug: string }>(asBob).slug).toBe('bob');
  });

  it('stores nothing when the instance refuses the key (exit 3, the API code)', async () => {
    const env = fresh();
    const login = await pixelflare(
      ['login', '--url', stack.apiUrl, '--api-key', 'pf_not_a_real_key_0000000000'],
      env,
    );
    expect(login.code).toBe(3);
    expect(login.stderr).toMatch(/^pixelflare: INVALID_API_KEY: /m);
    const whoami = await pixelflare(['whoami', '--json'], env);
    expect(whoami.code).toBe(3);
    expect(errorOf(whoami).code).toBe('NOT_LOGGED_IN');
  });

  it('says how it was called wrongly with exit 2', async () => {
    const env = asAlice();
    expect((await pixelflare(['frobnicate'], env)).code).toBe(2);
    const badOption = await pixelflare(['list', '--no-such-option', '--json'], env);
    expect(badOption.code).toBe(2);
    expect(errorOf(badOption).code).toBe('USAGE');
    expect((await pixelflare(['upload'], env)).code).toBe(2);
    const help = await pixelflare(['--help'], env);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('upload');
  });

  it('exits 6 when the instance cannot be reached', async () => {
    const run = await pixelflare(['whoami', '--json'], {
      ...fresh(),
      PIXELFLARE_URL: 'http://127.0.0.1:9',
      PIXELFLARE_API_KEY: 'pf_x',
    });
    expect(run.code).toBe(6);
    expect(errorOf(run).code).toBe('NETWORK_ERROR');
  });
});

describe('upload', () => {
  let env: Record<string, string>;
  const album = `cli-${Date.now().toString(36)}`;
  beforeAll(async () => {
    env = asAlice();
    const created = await pixelflare(['albums', 'create', album, '--title', 'From the CLI'], env);
    expect(created.code, created.stderr).toBe(0);
  });

  it('sends files, folders and globs once each, with album and tags, skipping the same bytes twice', async () => {
    const dir = tempDir('upload');
    const a = uniquePng();
    writePng(dir, 'a.png', a);
    writePng(dir, 'copy-of-a.png', a);
    mkdirSync(join(dir, 'nested'));
    writePng(join(dir, 'nested'), 'b.png');
    writeFileSync(join(dir, 'notes.txt'), 'not an image');
    const other = tempDir('glob');
    writePng(other, 'c.png');
    writePng(other, 'd.png');

    const run = await pixelflare(
      [
        'upload',
        dir,
        join(other, '*.png'),
        join(dir, 'a.png'),
        '--album',
        album,
        '--tags',
        'cli,batch',
        '--json',
      ],
      env,
    );
    expect(run.code, run.stderr).toBe(0);
    const { results } = json<UploadResults>(run);
    const byStatus = (status: string) => results.filter((result) => result.status === status);
    // a.png named twice is one file; copy-of-a.png has its bytes; notes.txt is no image extension.
    expect(byStatus('uploaded')).toHaveLength(4);
    expect(byStatus('skipped')).toEqual([
      expect.objectContaining({
        file: expect.stringMatching(/copy-of-a\.png$/),
        reason: expect.stringMatching(/a\.png$/),
      }),
    ]);
    for (const { image, output } of byStatus('uploaded')) {
      expect(image).toMatchObject({ album, tags: ['batch', 'cli'], is_private: false });
      const served = await fetch(output!);
      expect(served.status).toBe(200);
      expect(served.headers.get('content-type')).toBe('image/png');
    }

    // Run again: the API answers the images already stored (duplicate), nothing is stored twice.
    const again = await pixelflare(['upload', join(other, 'c.png'), '--json'], env);
    expect(again.code).toBe(0);
    const [duplicate] = json<UploadResults>(again).results;
    expect(duplicate).toMatchObject({ status: 'duplicate' });
    expect(duplicate!.image!.id).toBe(results.find((r) => r.file.endsWith('c.png'))!.image!.id);

    const listed = await pixelflare(['list', '--album', album, '--all', '--json'], env);
    expect(json<{ data: unknown[] }>(listed).data).toHaveLength(4);
  });

  it('prints the URL, or Markdown, HTML and srcset snippets, on stdout only', async () => {
    const dir = tempDir('formats');
    const plain = await pixelflare(['upload', writePng(dir, 'plain.png', uniquePng(700, 20))], env);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stdout.trim()).toMatch(new RegExp(`^${stack.apiUrl}/cdn/i/\\w+$`));

    const markdown = await pixelflare(['upload', writePng(dir, 'md.png'), '--format', 'markdown'], env);
    expect(markdown.stdout.trim()).toMatch(/^!\[md\.png\]\(http:\/\/[^)]+\/cdn\/i\/\w+\)$/);

    const html = await pixelflare(
      ['upload', writePng(dir, 'h.png', uniquePng(30, 10)), '--format', 'html'],
      env,
    );
    expect(html.stdout.trim()).toMatch(
      /^<img src="[^"]+" alt="h\.png" width="30" height="10" loading="lazy">$/,
    );

    const srcset = await pixelflare(
      ['upload', writePng(dir, 's.png', uniquePng(700, 20)), '--format', 'srcset'],
      env,
    );
    const tag = srcset.stdout.trim();
    expect(tag).toMatch(/ srcset="[^"]+\?w=320 320w, [^"]+\?w=640 640w, [^"]+\?w=700 700w"/);
    const first = /srcset="([^ ]+) 320w/.exec(tag)![1]!;
    const sized = await fetch(first);
    expect(sized.status).toBe(200);
  });

  it('sends a file with tus (--resumable) and reports a refused file with its API code', async () => {
    const dir = tempDir('tus');
    const big = uniquePng(400, 400, true);
    const run = await pixelflare(['upload', writePng(dir, 'big.png', big), '--resumable', '--json'], env);
    expect(run.code, run.stderr).toBe(0);
    const [result] = json<UploadResults>(run).results;
    expect(result).toMatchObject({ status: 'uploaded', image: { bytes: expect.any(Number) } });
    expect(result!.image!.bytes).toBeGreaterThan(400 * 400 * 3 * 0.9);

    // Not an image: the API's 415 code, exit 5; with a good file beside it, exit 7 (some failed).
    writeFileSync(join(dir, 'fake.png'), 'this is text, not a PNG');
    const refused = await pixelflare(['upload', join(dir, 'fake.png')], env);
    expect(refused.code).toBe(5);
    expect(refused.stderr).toContain(`failed ${join(dir, 'fake.png')}: UNSUPPORTED_MEDIA_TYPE: `);
    const partly = await pixelflare(['upload', join(dir, 'fake.png'), writePng(dir, 'good.png')], env);
    expect(partly.code).toBe(7);
    expect(partly.stdout.trim().split('\n')).toHaveLength(1);
  });

  it('has the instance fetch an http(s) URL (POST /v1/upload/from-url), beside local files', async () => {
    const bobs = { ...fresh(), PIXELFLARE_URL: stack.apiUrl, PIXELFLARE_API_KEY: stack.apiKeys.bob };
    const dir = tempDir('from-url');
    const published = json<UploadResults>(
      await pixelflare(['upload', writePng(dir, 'published.png'), '--json'], bobs),
    ).results[0]!.image! as unknown as { urls: { cdn: string } };
    const run = await pixelflare(
      ['upload', published.urls.cdn, writePng(dir, 'local.png'), '--tags', 'fetched', '--json'],
      env,
    );
    expect(run.code, run.stderr).toBe(0);
    const results = json<UploadResults>(run).results;
    expect(results.map((result) => [result.file.split('/').at(-1), result.status])).toEqual([
      ['published.png', 'uploaded'],
      ['local.png', 'uploaded'],
    ]);
    expect(results[0]!.image).toMatchObject({ tags: ['fetched'], is_private: false });
    expect((results[0]!.image as unknown as { filename: string }).filename).toBe('published.png');

    const refused = await pixelflare(['upload', 'http://127.0.0.1:9/nothing.png', '--json'], env);
    expect(refused.code).toBe(5);
    expect(json<UploadResults>(refused).results[0]!.error!.code).toBe('BAD_REQUEST');
  });

  it('--private images get signed URLs; url builds transform URLs and signs them when needed', async () => {
    const dir = tempDir('private');
    const run = await pixelflare(
      ['upload', writePng(dir, 'secret.png', uniquePng(64, 64)), '--private', '--json'],
      env,
    );
    const [result] = json<UploadResults>(run).results;
    expect(result!.image).toMatchObject({ is_private: true, access: 'signed' });
    expect(result!.output).toMatch(/[?&]sig=/);
    expect((await fetch(result!.output!)).status).toBe(200);

    const id = result!.image!.id;
    const signed = await pixelflare(['url', id, '--width', '32', '--format', 'png', '--json'], env);
    const { url, signed: wasSigned } = json<{ url: string; signed: boolean }>(signed);
    expect(wasSigned).toBe(true);
    expect(url).toMatch(/[?&]sig=/);
    const answer = await fetch(url);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('image/png');
    const plainUrl = new URL(url);
    plainUrl.searchParams.delete('sig');
    plainUrl.searchParams.delete('exp');
    expect((await fetch(plainUrl)).status).toBe(403);

    const publicImage = json<UploadResults>(
      await pixelflare(['upload', writePng(dir, 'open.png', uniquePng(64, 64)), '--json'], env),
    ).results[0]!.image!;
    const built = await pixelflare(['url', publicImage.id, '--transform', 'fit=cover&w=20&h=20'], env);
    expect(built.code).toBe(0);
    // The shared builder's canonical query: sorted, whatever order it was written in.
    expect(built.stdout.trim()).toMatch(/\/cdn\/i\/\w+\?fit=cover&h=20&w=20$/);
    expect((await fetch(built.stdout.trim())).status).toBe(200);
  });
});

/** `url`'s answer once it is not 404: an encrypted image's presets are rendered by the queue after its upload. */
async function onceRendered(url: string): Promise<Response> {
  for (;;) {
    const response = await fetch(url);
    if (response.status !== 404) return response;
    await response.arrayBuffer();
    await new Promise((wait) => setTimeout(wait, 250));
  }
}

describe('encrypted images', () => {
  it('have no plain URLs: upload --format and url print token links that serve them; get says why', async () => {
    const bob = stack.apiKeys.bob;
    const env = { ...fresh(), PIXELFLARE_URL: stack.apiUrl, PIXELFLARE_API_KEY: bob };
    const auth = { Authorization: `Bearer ${bob}` };
    const enabled = await fetch(`${stack.apiUrl}/v1/encryption/enable`, {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'application/json' },
      body: '{}',
    });
    // 409: already on (a re-run against the same stack).
    expect([200, 409]).toContain(enabled.status);
    const dir = tempDir('encrypted');
    const run = await pixelflare(
      ['upload', writePng(dir, 'vault.png', uniquePng(300, 200, true)), '--encrypt', '--json'],
      env,
    );
    const [result] = json<UploadResults>(run).results;
    const id = result!.image!.id;
    expect(result!.output).toMatch(/\/cdn\/i\/\w+\?token=/);
    const viaToken = await fetch(result!.output!);
    expect(viaToken.status).toBe(200);
    const download = await fetch(`${stack.apiUrl}/v1/images/${id}/download`, { headers: auth });
    expect(new Uint8Array(await viaToken.arrayBuffer())).toEqual(
      new Uint8Array(await download.arrayBuffer()),
    );
    // The same address without its token is the 404 every public URL of an encrypted image answers.
    const bare = new URL(result!.output!);
    bare.search = '';
    expect((await fetch(bare)).status).toBe(404);

    const preset = json<{ url: string }>(
      await pixelflare(['url', id, '--variant', 'w256', '--ttl', '600', '--json'], env),
    );
    expect(preset.url).toMatch(/\/w256\?token=/);
    expect((await onceRendered(preset.url)).status).toBe(200);
    const transformed = await pixelflare(['url', id, '--width', '32'], env);
    expect(transformed.code).toBe(2);
    expect(transformed.stderr).toContain('no transforms');

    const got = await pixelflare(['get', id], env);
    expect(got.stdout).toContain('no public URLs');
    expect(got.stdout).not.toContain('/cdn/');
    const gotJson = json<{ urls: Record<string, string | null>; previews: unknown }>(
      await pixelflare(['get', id, '--json'], env),
    );
    expect(gotJson).toMatchObject({ urls: { cdn: null, short: null }, previews: null });
  });
});

describe('finding and managing images', () => {
  let env: Record<string, string>;
  let id: string;
  const word = `zebra${Date.now().toString(36)}`;
  beforeAll(async () => {
    env = asAlice();
    const dir = tempDir('manage');
    const run = await pixelflare(['upload', writePng(dir, `${word}.png`), '--tags', word, '--json'], env);
    id = json<UploadResults>(run).results[0]!.image!.id;
  });

  it('search finds it, get shows every URL, download writes the original', async () => {
    const found = json<{ data: { id: string }[] }>(await pixelflare(['search', word, '--json'], env));
    expect(found.data.map((image) => image.id)).toEqual([id]);
    const byTag = json<{ data: { id: string }[] }>(await pixelflare(['list', '--tag', word, '--json'], env));
    expect(byTag.data.map((image) => image.id)).toEqual([id]);

    const got = await pixelflare(['get', id], env);
    expect(got.code).toBe(0);
    expect(got.stdout).toMatch(/^cdn +http:\/\/.+\/cdn\/alice\//m);
    expect(got.stdout).toMatch(/^short +http:\/\/.+\/cdn\/i\//m);
    expect(got.stdout).toMatch(/^download +http:\/\/.+\/v1\/images\/img_\w+\/download/m);

    const into = tempDir('download');
    const download = await pixelflare(['download', id, '-o', into], env);
    expect(download.code, download.stderr).toBe(0);
    const path = download.stdout.trim();
    expect(path).toBe(join(into, `${word}.png`));
    const image = json<{ bytes: number }>(await pixelflare(['get', id, '--json'], env));
    expect(statSync(path).size).toBe(image.bytes);
    // An existing file is kept unless --force.
    expect((await pixelflare(['download', id, '-o', into], env)).code).toBe(1);
    expect((await pixelflare(['download', id, '-o', into, '--force'], env)).code).toBe(0);
  });

  it('rm moves to trash and restore brings it back; a missing id is exit 4, a mixed batch exit 7', async () => {
    expect((await pixelflare(['rm', id], env)).code).toBe(0);
    // In trash, an image is not found (only restore reaches it).
    expect((await pixelflare(['get', id], env)).code).toBe(4);
    expect((await pixelflare(['restore', id], env)).code).toBe(0);
    expect(
      json<{ deleted_at: string | null }>(await pixelflare(['get', id, '--json'], env)).deleted_at,
    ).toBeNull();

    const missing = await pixelflare(['get', 'img_doesnotexist', '--json'], env);
    expect(missing.code).toBe(4);
    expect(errorOf(missing).code).toBe('NOT_FOUND');
    const mixed = await pixelflare(['rm', 'img_doesnotexist', id, '--json'], env);
    expect(mixed.code).toBe(7);
    expect(json<{ results: { ok: boolean }[] }>(mixed).results.map((result) => result.ok)).toEqual([
      false,
      true,
    ]);
    // Another owner's image is not found for bob.
    const asBob = await pixelflare(['get', id], { ...env, PIXELFLARE_API_KEY: stack.apiKeys.bob });
    expect(asBob.code).toBe(4);
  });

  it('albums, tags and keys: list, create, revoke', async () => {
    const tags = json<{ data: { name: string; count: number }[] }>(await pixelflare(['tags', '--json'], env));
    expect(tags.data).toContainEqual({ name: word, count: 0 });

    const slug = `k${Date.now().toString(36)}`;
    expect((await pixelflare(['albums', 'create', slug, '--private'], env)).code).toBe(0);
    const albums = json<{ data: { slug: string; visibility: string }[] }>(
      await pixelflare(['albums', '--json'], env),
    );
    expect(albums.data).toContainEqual(expect.objectContaining({ slug, visibility: 'private' }));
    expect((await pixelflare(['albums', 'create', slug], env)).code).toBe(5);
    expect((await pixelflare(['albums', 'rm', slug], env)).code).toBe(0);

    const created = json<{ id: string; key: string }>(
      await pixelflare(['keys', 'create', '--name', 'cli test', '--scopes', 'read', '--json'], env),
    );
    const withKey = { ...fresh(), PIXELFLARE_URL: stack.apiUrl, PIXELFLARE_API_KEY: created.key };
    expect((await pixelflare(['whoami'], withKey)).code).toBe(0);
    // A read key cannot upload: 403, exit 3.
    const upload = await pixelflare(['upload', writePng(tempDir('scoped'), 'x.png')], withKey);
    expect(upload.code).toBe(3);
    expect(upload.stderr).toMatch(/FORBIDDEN|INSUFFICIENT_SCOPE/);
    const keys = await pixelflare(['keys'], env);
    expect(keys.stdout).toContain(created.id);
    expect((await pixelflare(['keys', 'revoke', created.id], env)).code).toBe(0);
    expect((await pixelflare(['whoami'], withKey)).code).toBe(3);
    expect((await pixelflare(['keys', 'create', '--name', 'x', '--scopes', 'nonsense'], env)).code).toBe(2);
  });
});
