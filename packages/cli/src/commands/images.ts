import { createWriteStream, existsSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ImageFilters } from '@pixelflare/client';
import type { ImageResource } from '@pixelflare/shared';
import { parse, positiveInteger, requireArguments } from '../args';
import { formatBytes, output, type Context } from '../context';
import { CliError, describeError, EXIT, exitCodeOf, type ExitCode } from '../exit-codes';
import { transformUrl } from '../urls';

const SORTS = ['newest', 'oldest', 'name', 'size'] as const;
type Sort = (typeof SORTS)[number];

const imageLine = (image: ImageResource) =>
  [
    image.id,
    image.filename,
    image.album ?? '-',
    formatBytes(image.bytes),
    image.is_encrypted ? 'encrypted' : image.access,
    // An encrypted image has no short URL (its public URLs answer 404): `pixelflare url` mints a token link.
    image.urls.short ?? '-',
  ].join('\t');

/** `list` and `search <words>`: one page (`--limit`, `--cursor`), or every page with `--all`. */
export async function runList(context: Context, args: string[], search = false): Promise<ExitCode> {
  const { values, positionals } = parse(args, {
    album: { type: 'string' },
    tag: { type: 'string' },
    favourite: { type: 'boolean' },
    sort: { type: 'string' },
    limit: { type: 'string' },
    cursor: { type: 'string' },
    all: { type: 'boolean', default: false },
  });
  if (values.sort && !(SORTS as readonly string[]).includes(values.sort))
    throw new CliError(`--sort must be one of ${SORTS.join(', ')}`);
  const q = search ? requireArguments(positionals, 'search words').join(' ') : undefined;
  if (!search && positionals.length) throw new CliError(`list takes no arguments (did you mean search?)`);
  const filters: ImageFilters = {
    ...(q ? { q } : {}),
    ...(values.album ? { album: values.album } : {}),
    ...(values.tag ? { tag: values.tag } : {}),
    ...(values.favourite ? { favourite: true } : {}),
    ...(values.sort ? { sort: values.sort as Sort } : {}),
    ...(values.limit ? { limit: positiveInteger(values.limit, 'limit') } : {}),
  };
  const { api } = context.connect();
  const images: ImageResource[] = [];
  let cursor: string | undefined = values.cursor;
  let next: string | null;
  do {
    const page = await api.listImages({ ...filters, ...(cursor ? { cursor } : {}) });
    images.push(...page.data);
    next = page.next_cursor;
    cursor = next ?? undefined;
  } while (values.all && next);
  output(context, { data: images, next_cursor: next }, () => [
    ...images.map(imageLine),
    ...(next ? [`# more: --cursor ${next} (or --all)`] : []),
  ]);
  return EXIT.ok;
}

export async function runGet(context: Context, args: string[]): Promise<ExitCode> {
  const { positionals } = parse(args, {});
  const [id] = requireArguments(positionals, 'an image id');
  const { url, api } = context.connect();
  const image = await api.getImage(id!);
  const download = `${url}/v1/images/${image.id}/download`;
  output(context, { ...image, urls: { ...image.urls, download } }, () => [
    `id           ${image.id} (short ${image.short_id})`,
    `filename     ${image.filename}`,
    `album        ${image.album ?? '-'}`,
    `type         ${image.content_type}, ${image.width}×${image.height}, ${formatBytes(image.bytes)}`,
    `access       ${image.access}${image.is_private ? ' (private)' : ''}`,
    `tags         ${image.tags.join(', ') || '-'}`,
    ...(image.title ? [`title        ${image.title}`] : []),
    ...(image.alt ? [`alt          ${image.alt}`] : []),
    `created      ${image.created_at}`,
    ...(image.deleted_at ? [`in trash     since ${image.deleted_at}`] : []),
    ...(image.is_encrypted
      ? [
          `encrypted    no public URLs (they answer 404): pixelflare url ${image.id} [--ttl seconds] for a link`,
        ]
      : [`cdn          ${image.urls.cdn}`, `short        ${image.urls.short}`]),
    `download     ${download} (with your API key)`,
    ...Object.entries(image.previews ?? {}).map(
      ([preset, previewUrl]) => `${preset.padEnd(12)} ${previewUrl}`,
    ),
  ]);
  return EXIT.ok;
}

/** Runs `work` for each id; the exit code says whether all, some or none went through. */
async function eachId(
  context: Context,
  ids: string[],
  work: (id: string) => Promise<Record<string, unknown>>,
  line: (result: Record<string, unknown>) => string,
): Promise<ExitCode> {
  const results: Record<string, unknown>[] = [];
  const failures: unknown[] = [];
  for (const id of ids) {
    try {
      results.push({ id, ok: true, ...(await work(id)) });
    } catch (error) {
      failures.push(error);
      results.push({ id, ok: false, error: describeError(error) });
    }
  }
  output(context, { results }, () => results.filter((result) => result.ok).map(line));
  if (!context.json)
    for (const result of results.filter((entry) => !entry.ok)) {
      const error = result.error as ReturnType<typeof describeError>;
      context.stderr.write(`pixelflare: ${result.id as string}: ${error.code}: ${error.message}\n`);
    }
  if (failures.length === 0) return EXIT.ok;
  return failures.length === ids.length ? exitCodeOf(failures[0]) : EXIT.partial;
}

export async function runRemove(context: Context, args: string[]): Promise<ExitCode> {
  const { values, positionals } = parse(args, { permanent: { type: 'boolean', default: false } });
  const ids = requireArguments(positionals, 'image ids');
  const { api } = context.connect();
  return eachId(
    context,
    ids,
    async (id) => {
      await (values.permanent ? api.purgeImage(id) : api.deleteImage(id));
      return { deleted: values.permanent ? 'permanently' : 'to trash' };
    },
    (result) => `${result.id as string}: deleted ${result.deleted as string}`,
  );
}

export async function runRestore(context: Context, args: string[]): Promise<ExitCode> {
  const { positionals } = parse(args, {});
  const ids = requireArguments(positionals, 'image ids');
  const { api } = context.connect();
  return eachId(
    context,
    ids,
    async (id) => ({ image: await api.restoreImage(id) }),
    (result) => `${result.id as string}: restored`,
  );
}

/** `download <ids...> [-o dir or file]`: the originals, streamed to disk; an existing file is kept unless --force. */
export async function runDownload(context: Context, args: string[]): Promise<ExitCode> {
  const { values, positionals } = parse(args, {
    output: { type: 'string', short: 'o' },
    force: { type: 'boolean', default: false },
  });
  const ids = requireArguments(positionals, 'image ids');
  const target = values.output ?? '.';
  const intoDirectory = ids.length > 1 || (existsSync(target) && statSync(target).isDirectory());
  if (ids.length > 1 && !(existsSync(target) && statSync(target).isDirectory()))
    throw new CliError(`-o must be an existing folder when downloading several images`);
  const { api } = context.connect();
  return eachId(
    context,
    ids,
    async (id) => {
      const image = await api.getImage(id);
      const path = intoDirectory ? join(target, basename(image.filename)) : target;
      if (existsSync(path) && !values.force)
        throw new CliError(`${path} exists (--force to overwrite)`, 'FILE_EXISTS', EXIT.failure);
      const response = await api.downloadImage(image.id);
      if (!response.body)
        throw new CliError(`The download of ${id} had no body`, 'EMPTY_DOWNLOAD', EXIT.failure);
      await pipeline(Readable.fromWeb(response.body as never), createWriteStream(path));
      return { path, bytes: statSync(path).size };
    },
    (result) => `${result.path as string}`,
  );
}

export const urlHelp = `pixelflare url <image id> [options]

  --variant <preset>    a preset or named transform (w1024, thumb, ...)
  --width <n> --height <n> --fit <f> --format <f> --quality <n>
  --transform <query>   any transform query, e.g. "w=500&fit=cover&blur=5"
  --sign                sign it even when the image is public (instances with REQUIRE_SIGNED_TRANSFORMS)
  --ttl <seconds>       how long a signed URL stays valid

  A public image's URL is built locally; an image served signed only is signed by the API.`;

export async function runUrl(context: Context, args: string[]): Promise<ExitCode> {
  const { values, positionals } = parse(args, {
    variant: { type: 'string' },
    width: { type: 'string', short: 'w' },
    height: { type: 'string', short: 'h' },
    fit: { type: 'string' },
    format: { type: 'string' },
    quality: { type: 'string' },
    transform: { type: 'string' },
    sign: { type: 'boolean', default: false },
    ttl: { type: 'string' },
  });
  const [id] = requireArguments(positionals, 'an image id');
  const transform = new URLSearchParams(values.transform ?? '');
  const shortcuts = {
    w: values.width,
    h: values.height,
    fit: values.fit,
    format: values.format,
    q: values.quality,
  };
  for (const [name, value] of Object.entries(shortcuts)) if (value !== undefined) transform.set(name, value);
  const { api } = context.connect();
  const image = await api.getImage(id!);
  const url = await transformUrl(api, image, {
    ...(values.variant ? { variant: values.variant } : {}),
    ...(transform.size ? { transform } : {}),
    ...(values.ttl ? { ttl: positiveInteger(values.ttl, 'ttl') } : {}),
    sign: values.sign,
  });
  output(
    context,
    { id: image.id, url, signed: !image.is_encrypted && (image.access === 'signed' || values.sign) },
    () => [url],
  );
  return EXIT.ok;
}
