import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { pixelflare, tempDir, uniquePng, writePng } from './helpers';

const stack = inject('cliStack');
const bin = resolve(import.meta.dirname, '../dist/pixelflare.js');

/** The SDK's own client, spawning `pixelflare mcp` (the bundled CLI, plain node) as an assistant would. */
async function connect(apiKey: string): Promise<Client> {
  const home = tempDir('mcp-home');
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [bin, 'mcp'],
    env: {
      PATH: process.env.PATH ?? '',
      HOME: home,
      PIXELFLARE_CONFIG_DIR: join(home, 'config'),
      PIXELFLARE_URL: stack.apiUrl,
      PIXELFLARE_API_KEY: apiKey,
    },
    stderr: 'pipe',
  });
  const client = new Client({ name: 'pixelflare-test', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

/** A tool's JSON answer; fails the test (with the tool's message) when the tool reported an error. */
async function call<T = Record<string, unknown>>(
  client: Client,
  name: string,
  args: Record<string, unknown> = {},
): Promise<T> {
  const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
  const text = result.content.map((part) => (part.type === 'text' ? part.text : '')).join('');
  expect(result.isError, text).toBeFalsy();
  return JSON.parse(text) as T;
}

const unique = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;

describe('pixelflare mcp, with a key that may do everything', () => {
  let client: Client;
  beforeAll(async () => {
    client = await connect(stack.apiKeys.alice);
  });
  afterAll(() => client.close());

  it('offers every tool, each described with its input schema', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual(
      [
        'create_album',
        'create_transform',
        'delete_album',
        'delete_image',
        'delete_transform',
        'get_image',
        'image_snippets',
        'image_url',
        'list_albums',
        'list_tags',
        'list_transforms',
        'rename_tag',
        'search_images',
        'update_image',
        'update_transform',
        'upload_file',
        'upload_url',
      ].sort(),
    );
    const search = tools.find((tool) => tool.name === 'search_images')!;
    expect(search.inputSchema.properties).toHaveProperty('query');
    expect(search.annotations?.readOnlyHint).toBe(true);
  });

  it('uploads a file into a new album, finds it, and gives URLs and snippets that serve it', async () => {
    const album = unique('mcp');
    await call(client, 'create_album', { slug: album, title: 'From the assistant' });
    const name = `${unique('diagram')}.png`;
    const file = writePng(tempDir('mcp-upload'), name, uniquePng(1600, 900));
    const uploaded = await call<{ id: string; album: string; tags: string[]; duplicate: boolean }>(
      client,
      'upload_file',
      { path: file, album, tags: ['assistant'] },
    );
    expect(uploaded).toMatchObject({ album, tags: ['assistant'], duplicate: false });
    const again = await call<{ id: string; duplicate: boolean }>(client, 'upload_file', { path: file });
    expect(again).toMatchObject({ id: uploaded.id, duplicate: true });

    const found = await call<{ images: { id: string }[] }>(client, 'search_images', { album });
    expect(found.images.map((image) => image.id)).toEqual([uploaded.id]);
    const albums = await call<{ albums: { slug: string }[] }>(client, 'list_albums');
    expect(albums.albums.map((entry) => entry.slug)).toContain(album);

    const { url } = await call<{ url: string }>(client, 'image_url', {
      id: uploaded.id,
      width: 200,
      format: 'png',
    });
    expect(url).toMatch(/[?&]w=200/);
    const served = await fetch(url);
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe('image/png');

    const snippets = await call<{ url: string; markdown: string; html: string; srcset: string }>(
      client,
      'image_snippets',
      { id: uploaded.id, width: 400 },
    );
    expect(snippets.url).toMatch(/[?&]w=400/);
    expect(snippets.markdown).toBe(`![${name}](${snippets.url})`);
    expect(snippets.html).toContain('width="400" height="225"');
    expect(snippets.srcset).toMatch(/srcset="[^"]*w=400[^"]* 400w, [^"]*w=800[^"]* 800w"/);
    expect(snippets.srcset).toContain('sizes="(max-width: 400px) 100vw, 400px"');
    for (const source of snippets.srcset.match(/https?:\/\/[^ "]+/g)!)
      expect((await fetch(source.replaceAll('&amp;', '&'))).status).toBe(200);
  });

  it('manages tags and named transforms, and reports API errors as tool errors with their code', async () => {
    const file = writePng(tempDir('mcp-tags'), 'tagged.png');
    const { id } = await call<{ id: string }>(client, 'upload_file', { path: file });
    const tag = unique('tag');
    await call(client, 'update_image', { id, tags: [tag], title: 'Tagged by the assistant' });
    const tags = await call<{ data: { name: string; count: number }[] }>(client, 'list_tags');
    expect(tags.data).toContainEqual({ name: tag, count: 1 });
    await call(client, 'rename_tag', { name: tag, to: `${tag}-renamed` });
    expect((await call<{ tags: string[] }>(client, 'get_image', { id })).tags).toEqual([`${tag}-renamed`]);

    const transform = unique('thumb');
    await call(client, 'create_transform', { name: transform, params: { w: '64', fit: 'cover' } });
    const listed = await call<{ data: { name: string; params: Record<string, string> }[] }>(
      client,
      'list_transforms',
    );
    expect(listed.data).toContainEqual(
      expect.objectContaining({ name: transform, params: { w: '64', fit: 'cover' } }),
    );
    const { url } = await call<{ url: string }>(client, 'image_url', { id, transform });
    expect(url).toContain(`t=${transform}`);
    expect((await fetch(url)).status).toBe(200);
    await call(client, 'update_transform', { name: transform, params: { w: '32' } });
    await call(client, 'delete_transform', { name: transform });

    const missing = (await client.callTool({
      name: 'get_image',
      arguments: { id: 'img_does_not_exist' },
    })) as CallToolResult;
    expect(missing.isError).toBe(true);
    expect(missing.content[0]).toMatchObject({ type: 'text', text: expect.stringMatching(/^NOT_FOUND: /) });

    await call(client, 'delete_image', { id });
    const gone = (await client.callTool({ name: 'get_image', arguments: { id } })) as CallToolResult;
    expect(gone.isError).toBe(true);
  });
});

describe('pixelflare mcp, with a read-only key', () => {
  it('offers only the reading tools: an assistant cannot try what the key may not do', async () => {
    const env = {
      HOME: tempDir('mcp-key'),
      PIXELFLARE_URL: stack.apiUrl,
      PIXELFLARE_API_KEY: stack.apiKeys.alice,
    };
    const created = await pixelflare(
      ['keys', 'create', '--name', unique('assistant'), '--scopes', 'images:read', '--json'],
      env,
    );
    expect(created.code, created.stderr).toBe(0);
    const { key } = JSON.parse(created.stdout) as { key: string };
    const client = await connect(key);
    try {
      const { tools } = await client.listTools();
      expect(tools.map((tool) => tool.name).sort()).toEqual(
        ['get_image', 'image_snippets', 'image_url', 'list_tags', 'list_transforms', 'search_images'].sort(),
      );
      const found = await call<{ images: unknown[] }>(client, 'search_images', { limit: 1 });
      expect(found.images.length).toBeLessThanOrEqual(1);
      const refused = (await client.callTool({
        name: 'upload_url',
        arguments: { url: 'https://example.org/a.png' },
      })) as CallToolResult;
      expect(refused.isError).toBe(true);
    } finally {
      await client.close();
    }
  });

  it('does not start with a refused key: it says why on stderr and exits 3', async () => {
    const run = await pixelflare(['mcp'], {
      HOME: tempDir('mcp-bad'),
      PIXELFLARE_URL: stack.apiUrl,
      PIXELFLARE_API_KEY: 'pf_not_a_real_key_0000000000',
    });
    expect(run.code).toBe(3);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^pixelflare: INVALID_API_KEY: /m);
  });
});
