import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, openAsBlob, writeFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, join, relative, resolve } from 'node:path';
import { ApiError, type ApiClient } from '@pixelflare/client';
import { IMAGE_EXTENSIONS, UPLOAD_LIMITS } from '@pixelflare/config';
import type { ImageResource } from '@pixelflare/shared';
import { glob } from 'tinyglobby';
import { FileUrlStorage, Upload } from 'tus-js-client';
import { parse, positiveInteger, requireArguments } from '../args';
import { configDir } from '../config';
import { output, type Context } from '../context';
import { CliError, describeError, EXIT, exitCodeOf, type ExitCode } from '../exit-codes';
import { Progress } from '../progress';
import { SNIPPET_FORMATS, snippet, type SnippetFormat } from '../urls';

/** The extensions a folder or glob is searched for (`.jpeg` as well as the canonical `.jpg`). */
export const IMAGE_FILE_EXTENSIONS = [...new Set([...Object.values(IMAGE_EXTENSIONS), 'jpeg'])];
const TUS_CHUNK_BYTES = 8 * 1024 * 1024;
const DEFAULT_CONCURRENCY = 4;

export interface UploadResult {
  file: string;
  status: 'uploaded' | 'duplicate' | 'skipped' | 'failed';
  /** Why a file was skipped or failed. */
  reason?: string;
  error?: ReturnType<typeof describeError>;
  image?: ImageResource;
  /** The URL or snippet printed for it (`--format`). */
  output?: string;
}

/** Files, folders (recursively, image extensions only) and globs, each file once, in a stable order. */
export async function expandInputs(inputs: string[]): Promise<{ files: string[]; missing: string[] }> {
  const files = new Set<string>();
  const missing: string[] = [];
  const pattern = `**/*.{${IMAGE_FILE_EXTENSIONS.join(',')}}`;
  for (const input of inputs) {
    const info = await stat(input).catch(() => null);
    if (info?.isFile()) files.add(resolve(input));
    else if (info?.isDirectory()) {
      const found = await glob(pattern, {
        cwd: input,
        absolute: true,
        onlyFiles: true,
        caseSensitiveMatch: false,
      });
      for (const file of found.sort()) files.add(resolve(file));
    } else {
      const found = await glob(input, { absolute: true, onlyFiles: true });
      if (found.length === 0) missing.push(input);
      for (const file of found.sort()) files.add(resolve(file));
    }
  }
  return { files: [...files], missing };
}

export function sha256File(file: string): Promise<string> {
  return new Promise((done, fail) => {
    const hash = createHash('sha256');
    createReadStream(file)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', fail)
      .on('end', () => done(hash.digest('hex')));
  });
}

export interface UploadOptions {
  /** The name the image is stored under (default: the file's own name). */
  filename?: string;
  album?: string;
  tags?: string;
  isPrivate: boolean;
  encrypt: boolean;
  allowDuplicate: boolean;
  resumable: boolean;
}

/** The metadata fields every upload path accepts (UploadMetadataSchema), as strings. */
function metadataFields(file: string, options: UploadOptions): Record<string, string> {
  return {
    filename: options.filename ?? basename(file),
    ...(options.album ? { album: options.album } : {}),
    ...(options.tags ? { tags: options.tags } : {}),
    ...(options.isPrivate ? { is_private: 'true' } : {}),
    ...(options.encrypt ? { encrypt: 'true' } : {}),
  };
}

export async function uploadOneShot(api: ApiClient, file: string, options: UploadOptions) {
  const form = new FormData();
  for (const [name, value] of Object.entries(metadataFields(file, options))) form.set(name, value);
  form.set('file', await openAsBlob(file), options.filename ?? basename(file));
  return api.uploadImage(form, { allowDuplicate: options.allowDuplicate });
}

/**
 * tus, resumable: an interrupted upload of the same file (path, size, modification time) to the same instance
 * continues where the server stopped, from the URL kept in the config directory.
 */
export function uploadResumable(
  connection: { url: string; apiKey: string; api: ApiClient },
  file: string,
  size: number,
  options: UploadOptions,
  onProgress: (sent: number) => void,
): Promise<ImageResource> {
  // The file that remembers unfinished uploads lives beside the login (which may not exist: env credentials).
  mkdirSync(configDir(), { recursive: true, mode: 0o700 });
  const storage = join(configDir(), 'resumable-uploads.json');
  if (!existsSync(storage)) writeFileSync(storage, '{}', { mode: 0o600 });
  return new Promise((done, fail) => {
    let imageId: string | undefined;
    let apiError: ApiError | undefined;
    const upload = new Upload(createReadStream(file), {
      endpoint: `${connection.url}/v1/uploads/tus`,
      uploadSize: size,
      chunkSize: TUS_CHUNK_BYTES,
      headers: { Authorization: `Bearer ${connection.apiKey}` },
      metadata: metadataFields(file, options),
      urlStorage: new FileUrlStorage(storage),
      storeFingerprintForResuming: true,
      removeFingerprintOnSuccess: true,
      retryDelays: [0, 1000, 3000],
      onProgress: (sent) => onProgress(sent),
      onAfterResponse: (_request, response) => {
        imageId = response.getHeader('Pixelflare-Image-Id') ?? imageId;
        const status = response.getStatus();
        if (status >= 400) {
          try {
            const body = JSON.parse(response.getBody() || 'null') as {
              error?: { code: ApiError['code']; message: string; requestId?: string };
            } | null;
            if (body?.error)
              apiError = new ApiError(status, body.error.code, body.error.message, body.error.requestId);
          } catch {
            // not JSON: tus-js-client's own error says what happened
          }
        }
      },
      onError: (error) => fail(apiError ?? error),
      onSuccess: () => {
        if (!imageId)
          fail(new Error('The upload finished without naming its image (no Pixelflare-Image-Id)'));
        else connection.api.getImage(imageId).then(done, fail);
      },
    });
    upload
      .findPreviousUploads()
      .then((previous) => {
        const [latest] = previous;
        if (latest) upload.resumeFromPreviousUpload(latest);
        upload.start();
      })
      .catch(fail);
  });
}

/** Runs `work` over `items` with at most `limit` at a time, keeping the results in the items' order. */
export async function pool<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T);
    }
  });
  await Promise.all(workers);
  return results;
}

export const uploadHelp = `pixelflare upload <files, folders, globs or http(s) URLs...> [options]

  A URL is fetched by the instance (public addresses only), not by this machine.

  --album <slug>        put the images in this album (it must exist)
  --tags <a,b>          tag every image
  --private             served by signed URLs only
  --encrypt             encrypt at rest (the account must have encryption on)
  --format <f>          url (default), markdown, html or srcset
  --concurrency <n>     files sent at once (default ${DEFAULT_CONCURRENCY})
  --resumable           send every file with tus (files over ${UPLOAD_LIMITS.maxOneShotBytes / 1024 / 1024} MB always are)
  --allow-duplicate     store identical bytes again instead of answering the existing image
  --json                the results as JSON`;

export async function runUpload(context: Context, args: string[]): Promise<ExitCode> {
  const { values, positionals } = parse(args, {
    album: { type: 'string' },
    tags: { type: 'string' },
    private: { type: 'boolean', default: false },
    encrypt: { type: 'boolean', default: false },
    format: { type: 'string', default: 'url' },
    concurrency: { type: 'string' },
    resumable: { type: 'boolean', default: false },
    'allow-duplicate': { type: 'boolean', default: false },
  });
  const inputs = requireArguments(positionals, 'files, folders or globs to upload');
  const format = values.format as SnippetFormat;
  if (!SNIPPET_FORMATS.includes(format))
    throw new CliError(`--format must be one of ${SNIPPET_FORMATS.join(', ')}`);
  const concurrency = positiveInteger(values.concurrency, 'concurrency') ?? DEFAULT_CONCURRENCY;
  const options: UploadOptions = {
    album: values.album,
    tags: values.tags,
    isPrivate: values.private,
    encrypt: values.encrypt,
    allowDuplicate: values['allow-duplicate'],
    resumable: values.resumable,
  };
  const connection = context.connect();
  const { api } = connection;

  // http(s) arguments are fetched by the instance itself (POST /v1/upload/from-url); the rest are local paths.
  const isUrl = (input: string) => /^https?:\/\//i.test(input);
  const urls = [...new Set(inputs.filter(isUrl))];
  const { files, missing } = await expandInputs(inputs.filter((input) => !isUrl(input)));
  const results: UploadResult[] = missing.map((input) => ({
    file: input,
    status: 'failed',
    reason: 'no such file, or no file matches',
    error: { code: 'NOT_FOUND', message: `${input}: no such file, or no file matches` },
  }));

  // The same bytes twice in one run are sent once. The API recognises bytes you uploaded before (by the hash
  // of the stored, metadata-stripped original) and answers the existing image instead of a copy.
  const progress = new Progress(context.json ? ({ write: () => true } as never) : context.stderr);
  const seen = new Map<string, string>();
  const planned: { file: string; size: number; bar: ReturnType<Progress['add']> }[] = [];
  // Files under the working directory by their relative path, others by their absolute one.
  const label = (file: string) => {
    const inside = relative(process.cwd(), file);
    return inside && !inside.startsWith('..') ? inside : file;
  };
  for (const file of files) {
    const { size } = await stat(file);
    const hash = await sha256File(file);
    const bar = progress.add(label(file), size);
    const first = seen.get(hash);
    if (first && !options.allowDuplicate) {
      progress.update(bar, { state: 'skipped' });
      results.push({ file: label(file), status: 'skipped', reason: `same content as ${label(first)}` });
      continue;
    }
    seen.set(hash, file);
    planned.push({ file, size, bar });
  }

  const failures: unknown[] = [];
  const fetched = await pool(urls, concurrency, async (url): Promise<UploadResult> => {
    const bar = progress.add(url, 0);
    progress.update(bar, { state: 'sending' });
    try {
      const { duplicate, ...image } = await api.uploadFromUrl(
        {
          url,
          ...(options.album ? { album: options.album } : {}),
          ...(options.tags ? { tags: options.tags.split(',').map((tag) => tag.trim()) } : {}),
          ...(options.isPrivate ? { is_private: true } : {}),
          ...(options.encrypt ? { encrypt: true } : {}),
        },
        { allowDuplicate: options.allowDuplicate },
      );
      progress.update(bar, { state: 'done' });
      return {
        file: url,
        status: duplicate ? 'duplicate' : 'uploaded',
        ...(duplicate ? { reason: `already uploaded as ${image.id}` } : {}),
        image,
        output: await snippet(api, image, format),
      };
    } catch (error) {
      progress.update(bar, { state: 'failed' });
      failures.push(error);
      return { file: url, status: 'failed', error: describeError(error) };
    }
  });
  results.push(...fetched);

  const sent = await pool(planned, concurrency, async ({ file, size, bar }): Promise<UploadResult> => {
    progress.update(bar, { state: 'sending' });
    try {
      const resumable = options.resumable || size > UPLOAD_LIMITS.maxOneShotBytes;
      const uploaded = resumable
        ? {
            ...(await uploadResumable(connection, file, size, options, (bytes) =>
              progress.update(bar, { sent: bytes }),
            )),
            duplicate: false,
          }
        : await uploadOneShot(api, file, options);
      const { duplicate, ...image } = uploaded;
      progress.update(bar, { state: 'done', sent: size });
      return {
        file: label(file),
        status: duplicate ? 'duplicate' : 'uploaded',
        ...(duplicate ? { reason: `already uploaded as ${image.id}` } : {}),
        image,
        output: await snippet(api, image, format),
      };
    } catch (error) {
      progress.update(bar, { state: 'failed' });
      failures.push(error);
      return { file: label(file), status: 'failed', error: describeError(error) };
    }
  });
  results.push(...sent);
  progress.render();

  // stdout holds only the URLs (or snippets), one per image, so it can be piped; the notes go to stderr.
  output(context, { results }, () => results.flatMap((result) => (result.output ? [result.output] : [])));
  if (!context.json)
    for (const result of results) {
      if (result.status === 'failed')
        context.stderr.write(
          `pixelflare: failed ${result.file}: ${result.error?.code}: ${result.error?.message}\n`,
        );
      else if (result.reason)
        context.stderr.write(`pixelflare: ${result.status} ${result.file}: ${result.reason}\n`);
    }
  const failed = results.filter((result) => result.status === 'failed').length;
  if (failed === 0) return EXIT.ok;
  if (failed < results.length) return EXIT.partial;
  return failures.length ? exitCodeOf(failures[0]) : EXIT.notFound;
}
