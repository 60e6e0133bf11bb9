import { createHash } from 'node:crypto';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
} from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, extname, join, posix, relative, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ApiError, type ApiClient } from '@pixelflare/client';
import { UPLOAD_LIMITS } from '@pixelflare/config';
import type { ImageResource } from '@pixelflare/shared';
import { glob } from 'tinyglobby';
import { z } from 'zod';
import { parse, positiveInteger, requireArguments } from '../args';
import { configDir } from '../config';
import { output, type Context } from '../context';
import { CliError, describeError, EXIT, exitCodeOf, type ExitCode } from '../exit-codes';
import { parseS3Uri, S3Error, S3Reader, type S3Source } from '../s3';
import {
  IMAGE_FILE_EXTENSIONS,
  pool,
  sha256File,
  uploadOneShot,
  uploadResumable,
  type UploadOptions,
} from './upload';

const DEFAULT_CONCURRENCY = 4;
/** Album slugs the API keeps for itself. */
const RESERVED_SLUGS = new Set(['default', 'i']);

export type ImportStatus = 'imported' | 'duplicate' | 'skipped' | 'refused' | 'failed';

/** One line of the report. */
export interface ImportItem {
  /** The file's path under the folder, the object's key, or the URL. */
  source: string;
  status: ImportStatus;
  /** Why it was skipped, refused or failed, or which image it duplicates. */
  reason?: string;
  error?: ReturnType<typeof describeError>;
  image_id?: string;
  url?: string | null;
  album?: string | null;
}

export interface ImportReport {
  source: string;
  state_file: string;
  counts: Record<ImportStatus, number>;
  items: ImportItem[];
}

/** What an earlier run of the same import finished: each source item with the image it became. */
const StateSchema = z.object({
  version: z.literal(1),
  source: z.string(),
  items: z.record(
    z.string(),
    z.object({ status: z.enum(['imported', 'duplicate']), image_id: z.string(), at: z.string() }),
  ),
});
type State = z.infer<typeof StateSchema>;

/** One thing to import: where it comes from, the folder it sits in (its album), and how to get its bytes. */
interface Entry {
  key: string;
  /** The folder under the source root, `''` at the root; it names the album unless --flat or --album. */
  folder: string;
  filename: string;
  kind: 'file' | 'url';
  /** A local file holding the bytes, and a clean-up once it is sent (S3 objects are downloaded first). */
  materialise?: () => Promise<{ file: string; done: () => void }>;
}

export const importHelp = `pixelflare import <folder | s3://bucket/prefix | --urls <file>> [options]

  Imports every image of a local folder (its sub-folders become albums), of an S3-compatible bucket under a
  prefix (key "folders" become albums), or of a list of URLs (one per line, # comments; the instance fetches
  each one). Running an import again imports nothing twice: what an earlier run finished is kept in a state file,
  and the instance answers bytes it already has with the existing image (reported as duplicate).

  --album <slug>             put everything in this album (it must exist) instead of one album per folder
  --flat                     no albums from folders
  --tags <a,b>               tag every imported image
  --private                  served by signed URLs only
  --concurrency <n>          items sent at once (default ${DEFAULT_CONCURRENCY})
  --state <file>             where progress is kept (default: a file per source in the config directory)
  --json                     the report as JSON

  S3 (flags, or the usual AWS_* environment variables):
  --endpoint <url>           AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL (e.g. https://<account>.r2.cloudflarestorage.com)
  --region <r>               AWS_REGION or AWS_DEFAULT_REGION (default us-east-1; R2 takes auto)
  --access-key-id <id>       AWS_ACCESS_KEY_ID
  --secret-access-key <s>    AWS_SECRET_ACCESS_KEY
  --virtual-hosted           bucket.endpoint/key addressing instead of endpoint/bucket/key

  Exit 0 when nothing was refused or failed, 7 when some items were, the error's code when all were.`;

/** An album slug for a folder path: `Trips/Été 2024` becomes `trips-ete-2024`. */
export function albumSlugFor(folder: string): string {
  const slug = folder
    .normalize('NFKD')
    .replaceAll(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replaceAll(/[^a-z0-9]+/g, '-')
    .replaceAll(/^-+|-+$/g, '')
    .slice(0, 64)
    .replace(/-+$/, '');
  if (slug && !RESERVED_SLUGS.has(slug)) return slug;
  return `album-${createHash('sha256').update(folder).digest('hex').slice(0, 8)}`;
}

function isImageName(name: string): boolean {
  return IMAGE_FILE_EXTENSIONS.includes(extname(name).slice(1).toLowerCase());
}

function loadState(file: string, source: string): State {
  if (!existsSync(file)) return { version: 1, source, items: {} };
  const parsed = StateSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) throw new CliError(`${file} is not an import state file`, 'BAD_STATE', EXIT.failure);
  return parsed.data;
}

/** Written after every item (to a temporary file, then renamed), so an interrupted import resumes. */
function stateWriter(file: string, state: State): () => Promise<void> {
  let chain = Promise.resolve();
  return () => {
    chain = chain.then(async () => {
      mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
      await writeFile(`${file}.tmp`, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
      renameSync(`${file}.tmp`, file);
    });
    return chain;
  };
}

async function folderEntries(root: string): Promise<Entry[]> {
  const info = await stat(root).catch(() => null);
  if (!info?.isDirectory()) throw new CliError(`${root}: no such folder`, 'NOT_FOUND', EXIT.notFound);
  // Hidden files and folders (.DS_Store, .git) are not part of a photo library.
  const files = (await glob('**/*', { cwd: root, onlyFiles: true, dot: false })).sort();
  return files.map((file) => {
    const path = file.split(sep).join('/');
    const folder = posix.dirname(path);
    return {
      key: path,
      folder: folder === '.' ? '' : folder,
      filename: posix.basename(path),
      kind: 'file',
      materialise: async () => ({ file: join(root, file), done: () => undefined }),
    };
  });
}

async function s3Entries(reader: S3Reader): Promise<Entry[]> {
  const { prefix } = reader.source;
  // Folders are counted from the prefix's last slash: `photos/2024` lists `photos/2024-01/a.jpg` as `2024-01/a.jpg`.
  const base = prefix.slice(0, prefix.lastIndexOf('/') + 1);
  const entries: Entry[] = [];
  for await (const object of reader.list()) {
    const path = object.key.slice(base.length);
    const folder = posix.dirname(path);
    entries.push({
      key: object.key,
      folder: folder === '.' ? '' : folder,
      filename: posix.basename(path),
      kind: 'file',
      materialise: async () => {
        const directory = mkdtempSync(join(tmpdir(), 'pixelflare-import-'));
        const file = join(directory, basename(path) || 'object');
        const body = await reader.get(object.key);
        await pipeline(Readable.fromWeb(body as never), createWriteStream(file));
        return { file, done: () => rmSync(directory, { recursive: true, force: true }) };
      },
    });
  }
  return entries;
}

function urlEntries(listFile: string): Entry[] {
  if (!existsSync(listFile)) throw new CliError(`${listFile}: no such file`, 'NOT_FOUND', EXIT.notFound);
  const urls = readFileSync(listFile, 'utf8')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  return [...new Set(urls)].map((url) => ({ key: url, folder: '', filename: url, kind: 'url' }));
}

function s3SourceFrom(
  uri: string,
  values: Record<string, string | boolean | undefined>,
  env: NodeJS.ProcessEnv,
): S3Source {
  const target = parseS3Uri(uri);
  if (!target) throw new CliError(`Not an S3 location: ${uri} (s3://bucket/prefix)`);
  const flag = (name: string) => {
    const value = values[name];
    return typeof value === 'string' && value ? value : undefined;
  };
  const endpoint =
    flag('endpoint') ?? env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL ?? 'https://s3.amazonaws.com';
  const region = flag('region') ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';
  const accessKeyId = flag('access-key-id') ?? env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = flag('secret-access-key') ?? env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey)
    throw new CliError(
      'An S3 import needs credentials: --access-key-id and --secret-access-key, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY',
    );
  try {
    new URL(endpoint);
  } catch {
    throw new CliError(`--endpoint is not a URL: ${endpoint}`);
  }
  return {
    endpoint,
    region,
    bucket: target.bucket,
    prefix: target.prefix,
    accessKeyId,
    secretAccessKey,
    pathStyle: values['virtual-hosted'] !== true,
  };
}

/** Makes the albums the folders name (those that do not exist yet); answers folder → slug. */
async function ensureAlbums(api: ApiClient, folders: string[]): Promise<Map<string, string>> {
  const slugs = new Map(folders.map((folder) => [folder, albumSlugFor(folder)]));
  if (slugs.size === 0) return slugs;
  const existing = new Set<string>();
  let cursor: string | undefined;
  do {
    const page = await api.listAlbums(cursor);
    for (const album of page.data) existing.add(album.slug);
    cursor = page.next_cursor ?? undefined;
  } while (cursor);
  for (const [folder, slug] of slugs) {
    if (existing.has(slug)) continue;
    await api.createAlbum({ slug, title: folder.slice(0, 200), visibility: 'public' });
    existing.add(slug);
  }
  return slugs;
}

/** A 401 or 403 stops the import: every other item would be refused the same way. */
const isFatal = (error: unknown) =>
  error instanceof ApiError && (error.status === 401 || error.status === 403);
/** The API looked at the item and said no (a 4xx other than auth and rate limits): trying again will not help. */
const isRefusal = (error: unknown) =>
  error instanceof ApiError && error.status >= 400 && error.status < 500 && error.status !== 429;

export async function runImport(context: Context, args: string[]): Promise<ExitCode> {
  const { values, positionals } = parse(args, {
    urls: { type: 'string' },
    album: { type: 'string' },
    flat: { type: 'boolean', default: false },
    tags: { type: 'string' },
    private: { type: 'boolean', default: false },
    concurrency: { type: 'string' },
    state: { type: 'string' },
    endpoint: { type: 'string' },
    region: { type: 'string' },
    'access-key-id': { type: 'string' },
    'secret-access-key': { type: 'string' },
    'virtual-hosted': { type: 'boolean', default: false },
  });
  const concurrency = positiveInteger(values.concurrency, 'concurrency') ?? DEFAULT_CONCURRENCY;
  if (values.urls && positionals.length)
    throw new CliError('import takes a folder, an s3:// location or --urls <file>, not several');
  if (!values.urls) requireArguments(positionals, 'a folder, an s3://bucket/prefix or --urls <file>');
  if (positionals.length > 1) throw new CliError('import takes one folder or s3:// location at a time');
  const target = positionals[0];

  // What is imported, and a name for it that identifies the same import on the next run.
  let identity: string;
  let list: () => Promise<Entry[]>;
  if (values.urls) {
    const file = resolve(values.urls);
    identity = `urls:${file}`;
    list = async () => urlEntries(file);
  } else if (target && /^s3:\/\//i.test(target)) {
    const source = s3SourceFrom(target, values, context.env);
    const reader = new S3Reader(source);
    identity = `s3:${new URL(source.endpoint).origin}/${source.bucket}/${source.prefix}`;
    list = () => s3Entries(reader);
  } else {
    const root = resolve(target!);
    identity = `folder:${root}`;
    list = () => folderEntries(root);
  }
  const stateFile = values.state
    ? resolve(values.state)
    : join(
        configDir(context.env),
        'imports',
        `${createHash('sha256').update(identity).digest('hex').slice(0, 16)}.json`,
      );

  const { api, ...connection } = context.connect();
  const state = loadState(stateFile, identity);
  const saveState = stateWriter(stateFile, state);

  let entries: Entry[];
  try {
    entries = await list();
  } catch (error) {
    if (error instanceof S3Error)
      throw new CliError(
        `The bucket could not be listed: ${error.code ?? `HTTP ${error.status ?? 'unreachable'}`}: ${error.message}`,
        error.code ?? 'S3_ERROR',
        error.status === 403 || error.status === 401 ? EXIT.auth : EXIT.unavailable,
      );
    throw error;
  }

  const items: ImportItem[] = [];
  const pending: Entry[] = [];
  for (const entry of entries) {
    const done = state.items[entry.key];
    if (done)
      items.push({
        source: entry.key,
        status: 'skipped',
        reason: `already imported as ${done.image_id}`,
        image_id: done.image_id,
      });
    else if (entry.kind === 'file' && !isImageName(entry.filename))
      items.push({
        source: entry.key,
        status: 'refused',
        reason: `not an image type Pixelflare stores (${IMAGE_FILE_EXTENSIONS.map((ext) => `.${ext}`).join(' ')})`,
        error: { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'not an image file' },
      });
    else pending.push(entry);
  }

  const byFolder = !values.album && !values.flat && !values.urls;
  const albums = byFolder
    ? await ensureAlbums(api, [...new Set(pending.map((entry) => entry.folder).filter(Boolean))])
    : new Map<string, string>();
  const albumOf = (entry: Entry) => values.album ?? (byFolder ? albums.get(entry.folder) : undefined);

  // The same bytes twice in one import are sent once; the API answers bytes sent before with their image.
  const byHash = new Map<string, Promise<ImageResource>>();
  const failures: unknown[] = [];
  let fatal: unknown;

  const record = async (
    entry: Entry,
    status: 'imported' | 'duplicate',
    image: ImageResource,
    reason?: string,
  ) => {
    state.items[entry.key] = { status, image_id: image.id, at: new Date().toISOString() };
    await saveState();
    return {
      source: entry.key,
      status,
      ...(reason ? { reason } : {}),
      image_id: image.id,
      url: image.urls.cdn,
      album: image.album,
    } satisfies ImportItem;
  };

  const sendFile = async (entry: Entry): Promise<ImportItem> => {
    const { file, done } = await entry.materialise!();
    try {
      const hash = await sha256File(file);
      const earlier = byHash.get(hash);
      if (earlier) {
        const image = await earlier;
        return await record(
          entry,
          'duplicate',
          image,
          `same content as another item, imported as ${image.id}`,
        );
      }
      const album = albumOf(entry);
      const options: UploadOptions = {
        filename: entry.filename,
        ...(album ? { album } : {}),
        ...(values.tags ? { tags: values.tags } : {}),
        isPrivate: values.private,
        encrypt: false,
        allowDuplicate: false,
        resumable: false,
      };
      // Set before anything else is awaited: another item with the same bytes waits for this one.
      const sending = (async () => {
        const { size } = await stat(file);
        if (size > UPLOAD_LIMITS.maxOneShotBytes)
          return {
            ...(await uploadResumable({ api, ...connection }, file, size, options, () => undefined)),
            duplicate: false,
          };
        return uploadOneShot(api, file, options);
      })();
      byHash.set(
        hash,
        sending.then(({ duplicate: _duplicate, ...image }) => image),
      );
      const { duplicate, ...image } = await sending;
      return await record(
        entry,
        duplicate ? 'duplicate' : 'imported',
        image,
        duplicate ? `already on the instance as ${image.id}` : undefined,
      );
    } finally {
      done();
    }
  };

  const sendUrl = async (entry: Entry): Promise<ImportItem> => {
    const { duplicate, ...image } = await api.uploadFromUrl({
      url: entry.key,
      ...(values.album ? { album: values.album } : {}),
      ...(values.tags ? { tags: values.tags.split(',').map((tag) => tag.trim()) } : {}),
      ...(values.private ? { is_private: true } : {}),
    });
    return record(
      entry,
      duplicate ? 'duplicate' : 'imported',
      image,
      duplicate ? `already on the instance as ${image.id}` : undefined,
    );
  };

  const results = await pool(pending, concurrency, async (entry): Promise<ImportItem> => {
    if (fatal)
      return {
        source: entry.key,
        status: 'failed',
        reason: 'not tried: the key was refused',
        error: describeError(fatal),
      };
    try {
      return entry.kind === 'url' ? await sendUrl(entry) : await sendFile(entry);
    } catch (error) {
      if (isFatal(error)) fatal ??= error;
      failures.push(error);
      if (isRefusal(error) && !isFatal(error))
        return {
          source: entry.key,
          status: 'refused',
          reason: describeError(error).message,
          error: describeError(error),
        };
      const described =
        error instanceof S3Error
          ? { code: error.code ?? 'S3_ERROR', message: error.message }
          : describeError(error);
      return { source: entry.key, status: 'failed', reason: described.message, error: described };
    }
  });
  items.push(...results);
  await saveState();

  const order = new Map(entries.map((entry, index) => [entry.key, index]));
  items.sort((a, b) => (order.get(a.source) ?? 0) - (order.get(b.source) ?? 0));
  const counts: Record<ImportStatus, number> = {
    imported: 0,
    duplicate: 0,
    skipped: 0,
    refused: 0,
    failed: 0,
  };
  for (const item of items) counts[item.status] += 1;
  const report: ImportReport = { source: identity, state_file: stateFile, counts, items };

  const label = (source: string) => {
    if (!values.urls && target && !/^s3:\/\//i.test(target)) {
      const path = relative(process.cwd(), join(resolve(target), source));
      return path && !path.startsWith('..') ? path : source;
    }
    return source;
  };
  output(context, report, () => [
    ...items.map((item) =>
      [item.status.padEnd(9), label(item.source), item.url ?? item.reason ?? ''].join('  ').trimEnd(),
    ),
    `${counts.imported} imported, ${counts.duplicate} duplicate, ${counts.skipped} already done, ${counts.refused} refused, ${counts.failed} failed`,
  ]);
  if (!context.json)
    for (const item of items)
      if ((item.status === 'refused' || item.status === 'failed') && item.error)
        context.stderr.write(
          `pixelflare: ${item.status} ${label(item.source)}: ${item.error.code}: ${item.reason ?? item.error.message}\n`,
        );

  if (fatal) return exitCodeOf(fatal);
  const bad = counts.refused + counts.failed;
  if (bad === 0) return EXIT.ok;
  if (bad < items.length) return EXIT.partial;
  return failures.length ? exitCodeOf(failures[0]) : EXIT.refused;
}
