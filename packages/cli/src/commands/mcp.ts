import { stat } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { ApiClient } from '@pixelflare/client';
import { API_SCOPES, UPLOAD_LIMITS, type ApiScope } from '@pixelflare/config';
import type { ImageResource } from '@pixelflare/shared';
import { z } from 'zod';
import { parse } from '../args';
import { CLI_VERSION, type Context } from '../context';
import { describeError, EXIT, type ExitCode } from '../exit-codes';
import { sizedSnippets, transformUrl } from '../urls';
import { IMAGE_FILE_EXTENSIONS, uploadOneShot, uploadResumable } from './upload';

export const mcpHelp = `pixelflare mcp

  Runs a Model Context Protocol server on stdin/stdout for an AI assistant (Claude Desktop, Claude Code, Cursor,
  VS Code, Zed...), with the stored login or PIXELFLARE_URL and PIXELFLARE_API_KEY. It offers only the tools the
  key's scopes allow: give the assistant a key with just the scopes it needs.

  Tools: search_images, get_image, image_url, image_snippets, list_tags, list_transforms (images:read);
  upload_file, upload_url, update_image, rename_tag, create_transform, update_transform, delete_transform
  (images:write); delete_image (images:delete); list_albums (albums:read); create_album, delete_album
  (albums:write).`;

/** A tool answer: the data as JSON text (what every assistant reads). */
const answer = (data: unknown): CallToolResult => ({
  content: [{ type: 'text', text: JSON.stringify(data, null, 2) }],
});

/** API errors come back to the assistant as tool errors with the API's code, never as a broken server. */
async function guarded(work: () => Promise<unknown>): Promise<CallToolResult> {
  try {
    return answer(await work());
  } catch (error) {
    const { code, message } = describeError(error);
    return { isError: true, content: [{ type: 'text', text: `${code}: ${message}` }] };
  }
}

/** What a listing shows of an image: enough to pick one and act on it. */
const summary = (image: ImageResource) => ({
  id: image.id,
  filename: image.filename,
  title: image.title,
  alt: image.alt,
  album: image.album,
  tags: image.tags,
  width: image.width,
  height: image.height,
  content_type: image.content_type,
  access: image.access,
  url: image.urls.short,
  created_at: image.created_at,
});

const tagList = z.array(z.string().min(1)).optional().describe('Tag names');
const imageId = z.string().min(1).describe('Image id (img_…) or short id');

/** Registers the tools the scopes allow on `server`; answers their names. */
export function registerTools(
  server: McpServer,
  connection: { url: string; apiKey: string; api: ApiClient },
  scopes: ReadonlySet<ApiScope>,
): string[] {
  const { api } = connection;
  const names: string[] = [];
  const tool = (
    scope: ApiScope,
    name: string,
    description: string,
    inputSchema: z.ZodRawShape,
    run: (input: Record<string, unknown>) => Promise<unknown>,
    readOnly = false,
  ) => {
    if (!scopes.has(scope)) return;
    names.push(name);
    server.registerTool(
      name,
      { description, inputSchema, annotations: { readOnlyHint: readOnly, openWorldHint: false } },
      (input: Record<string, unknown>) => guarded(() => run(input)),
    );
  };

  tool(
    'images:read',
    'search_images',
    'Search and list your images, newest first: full-text over filenames, titles, alt text, tags and what analysis found. All filters are optional.',
    {
      query: z.string().optional().describe('Words to search for'),
      album: z.string().optional().describe('Only this album (slug)'),
      tag: z.string().optional().describe('Only images with this tag'),
      limit: z.number().int().min(1).max(100).optional().describe('How many (default 20)'),
      cursor: z.string().optional().describe('next_cursor of the previous page'),
    },
    async (input) => {
      const page = await api.listImages({
        ...(input.query ? { q: input.query as string } : {}),
        ...(input.album ? { album: input.album as string } : {}),
        ...(input.tag ? { tag: input.tag as string } : {}),
        ...(input.cursor ? { cursor: input.cursor as string } : {}),
        limit: (input.limit as number | undefined) ?? 20,
      });
      return { images: page.data.map(summary), next_cursor: page.next_cursor };
    },
    true,
  );
  tool(
    'images:read',
    'get_image',
    "An image's metadata (size, type, album, tags, title, alt, colours) and its CDN URLs.",
    { id: imageId },
    (input) => api.getImage(input.id as string),
    true,
  );
  tool(
    'images:read',
    'image_url',
    'A CDN URL of an image resized or converted on the fly (signed when the image needs it). Without parameters: the original.',
    {
      id: imageId,
      width: z.number().int().min(1).max(8192).optional(),
      height: z.number().int().min(1).max(8192).optional(),
      fit: z.enum(['scale-down', 'contain', 'cover', 'crop', 'pad']).optional(),
      format: z.enum(['auto', 'webp', 'avif', 'jpeg', 'png']).optional(),
      quality: z.number().int().min(1).max(100).optional(),
      transform: z.string().optional().describe('A named transform (see list_transforms)'),
    },
    async (input) => {
      const image = await api.getImage(input.id as string);
      const params = new URLSearchParams();
      const set = (name: string, value: unknown) => {
        if (value !== undefined) params.set(name, String(value));
      };
      set('w', input.width);
      set('h', input.height);
      set('fit', input.fit);
      set('format', input.format);
      set('q', input.quality);
      set('t', input.transform);
      return { url: await transformUrl(api, image, { transform: params }) };
    },
    true,
  );
  tool(
    'images:read',
    'image_snippets',
    'Ready-to-paste Markdown, HTML <img> and responsive srcset snippets (1x and 2x) for showing an image at a width in CSS pixels.',
    {
      id: imageId,
      width: z.number().int().min(1).max(8192).describe('Display width in CSS pixels'),
      transform: z.string().optional().describe('A named transform to apply (see list_transforms)'),
    },
    async (input) => {
      const image = await api.getImage(input.id as string);
      return sizedSnippets(api, image, input.width as number, input.transform as string | undefined);
    },
    true,
  );
  tool(
    'images:read',
    'list_tags',
    'Your tags with how many images carry each.',
    {},
    () => api.listTags(),
    true,
  );
  tool(
    'images:read',
    'list_transforms',
    'Your named transforms: parameter sets used as ?t=name on a CDN URL.',
    {},
    () => api.listTransforms(),
    true,
  );

  const uploadFields = {
    album: z.string().optional().describe('Album slug (it must exist)'),
    tags: tagList,
    private: z.boolean().optional().describe('Served by signed URLs only'),
  };
  tool(
    'images:write',
    'upload_file',
    'Upload an image file from this computer (jpg, png, gif, webp, avif, svg). Identical bytes already uploaded answer the existing image (duplicate: true).',
    {
      path: z.string().min(1).describe('Path of the file (absolute, or relative to where the server runs)'),
      ...uploadFields,
    },
    async (input) => {
      const file = resolve(input.path as string);
      const extension = extname(file).slice(1).toLowerCase();
      if (!IMAGE_FILE_EXTENSIONS.includes(extension))
        throw new Error(`${file} is not an image file (${IMAGE_FILE_EXTENSIONS.join(', ')})`);
      const { size } = await stat(file);
      const options = {
        ...(input.album ? { album: input.album as string } : {}),
        ...(input.tags ? { tags: (input.tags as string[]).join(',') } : {}),
        isPrivate: input.private === true,
        encrypt: false,
        allowDuplicate: false,
        resumable: false,
      };
      const uploaded =
        size > UPLOAD_LIMITS.maxOneShotBytes
          ? {
              ...(await uploadResumable(connection, file, size, options, () => undefined)),
              duplicate: false,
            }
          : await uploadOneShot(api, file, options);
      const { duplicate, ...image } = uploaded;
      return { duplicate, ...summary(image) };
    },
  );
  tool(
    'images:write',
    'upload_url',
    'Have the instance fetch an image from a public http(s) URL and store it.',
    { url: z.string().url(), ...uploadFields },
    async (input) => {
      const { duplicate, ...image } = await api.uploadFromUrl({
        url: input.url as string,
        ...(input.album ? { album: input.album as string } : {}),
        ...(input.tags ? { tags: input.tags as string[] } : {}),
        ...(input.private ? { is_private: true } : {}),
      });
      return { duplicate, ...summary(image) };
    },
  );
  tool(
    'images:write',
    'update_image',
    "Change an image's title, alt text, tags (the whole list), album (null: none) or privacy.",
    {
      id: imageId,
      title: z.string().nullable().optional(),
      alt: z.string().nullable().optional(),
      tags: tagList,
      album: z.string().nullable().optional().describe('Album slug, or null for no album'),
      private: z.boolean().optional(),
    },
    async (input) => {
      const { id, private: isPrivate, ...changes } = input;
      const image = await api.updateImage(id as string, {
        ...(changes as Record<string, never>),
        ...(isPrivate === undefined ? {} : { is_private: isPrivate as boolean }),
      });
      return summary(image);
    },
  );
  tool(
    'images:write',
    'rename_tag',
    'Rename a tag on every image that has it.',
    { name: z.string().min(1), to: z.string().min(1) },
    async (input) => {
      await api.renameTag(input.name as string, input.to as string);
      return { renamed: input.name, to: input.to };
    },
  );
  const params = z
    .record(z.string(), z.string())
    .describe(
      'CDN transform parameters, as in a query string: { "w": "600", "fit": "cover", "format": "webp" }',
    );
  tool(
    'images:write',
    'create_transform',
    'Create a named transform: a set of transform parameters used as ?t=name on any image URL.',
    { name: z.string().min(1).describe('a-z, 0-9, _ and -'), params },
    (input) =>
      api.createTransform({ name: input.name as string, params: input.params as Record<string, string> }),
  );
  tool(
    'images:write',
    'update_transform',
    "Replace a named transform's parameters.",
    { name: z.string().min(1), params },
    (input) => api.updateTransform(input.name as string, input.params as Record<string, string>),
  );
  tool(
    'images:write',
    'delete_transform',
    'Delete a named transform (URLs using it stop resolving).',
    { name: z.string().min(1) },
    async (input) => {
      await api.deleteTransform(input.name as string);
      return { deleted: input.name };
    },
  );
  tool(
    'images:delete',
    'delete_image',
    'Move an image to the trash (it can be restored from the dashboard until the trash is emptied).',
    { id: imageId },
    async (input) => {
      await api.deleteImage(input.id as string);
      return { trashed: input.id };
    },
  );
  tool(
    'albums:read',
    'list_albums',
    'Your albums: slug, title, visibility and image count.',
    {},
    async () => {
      const albums = [];
      let cursor: string | undefined;
      do {
        const page = await api.listAlbums(cursor);
        albums.push(...page.data);
        cursor = page.next_cursor ?? undefined;
      } while (cursor);
      return { albums };
    },
    true,
  );
  tool(
    'albums:write',
    'create_album',
    'Create an album.',
    {
      slug: z.string().min(1).describe('lower-case letters, digits and inner hyphens'),
      title: z.string().min(1),
      description: z.string().optional(),
      private: z.boolean().optional(),
    },
    (input) =>
      api.createAlbum({
        slug: input.slug as string,
        title: input.title as string,
        visibility: input.private ? 'private' : 'public',
        ...(input.description ? { description: input.description as string } : {}),
      }),
  );
  tool(
    'albums:write',
    'delete_album',
    'Delete an album; its images stay (with no album) unless delete_images is true.',
    { slug: z.string().min(1), delete_images: z.boolean().optional() },
    async (input) => {
      await api.deleteAlbum(input.slug as string, input.delete_images === true);
      return { deleted: input.slug };
    },
  );
  return names;
}

export async function runMcp(context: Context, args: string[]): Promise<ExitCode> {
  parse(args, {});
  const connection = context.connect();
  // The key's scopes decide the tools; an instance too old to say offers them all (the API still checks each).
  const me = await connection.api.getMe();
  const scopes = new Set<ApiScope>(me.credential?.scopes ?? API_SCOPES);
  const server = new McpServer(
    { name: 'pixelflare', version: CLI_VERSION },
    {
      instructions: `Images of ${me.slug} on the Pixelflare instance ${connection.url}. Find images with search_images, get URLs and embeddable snippets with image_url and image_snippets.`,
    },
  );
  const names = registerTools(server, connection, scopes);
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((done) => {
    transport.onclose = () => done();
    process.stdin.once('end', () => done());
  });
  await server.connect(transport);
  // stdout is the protocol's: what a person should see goes to stderr.
  context.stderr.write(
    `pixelflare mcp: serving ${names.length} tools for ${me.slug} at ${connection.url} (scopes: ${[...scopes].join(', ')})\n`,
  );
  await closed;
  await server.close();
  return EXIT.ok;
}
