import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { AwsClient } from 'aws4fetch';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { pixelflare, tempDir, uniquePng, writePng, type Run } from './helpers';

const stack = inject('cliStack');
const s3 = {
  endpoint: inject('s3Endpoint'),
  accessKeyId: inject('s3AccessKeyId'),
  secretAccessKey: inject('s3SecretAccessKey'),
};

const asAlice = () => {
  const home = tempDir('import-home');
  return {
    HOME: home,
    PIXELFLARE_CONFIG_DIR: join(home, 'config'),
    PIXELFLARE_URL: stack.apiUrl,
    PIXELFLARE_API_KEY: stack.apiKeys.alice,
  };
};

interface Report {
  source: string;
  state_file: string;
  counts: Record<'imported' | 'duplicate' | 'skipped' | 'refused' | 'failed', number>;
  items: {
    source: string;
    status: string;
    reason?: string;
    image_id?: string;
    album?: string | null;
    url?: string | null;
    error?: { code: string };
  }[];
}
const report = (run: Run): Report => JSON.parse(run.stdout) as Report;
const statuses = (result: Report) =>
  Object.fromEntries(result.items.map((item) => [item.source, item.status]));

/** A fresh name, so that albums and prefixes of one run never meet those of another. */
const unique = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;

describe('import from a local folder', () => {
  it('imports every image once, its sub-folders as albums, and reports duplicates and refusals', async () => {
    const env = asAlice();
    const root = tempDir('import-folder');
    const trip = unique('Trip');
    mkdirSync(join(root, trip, '2024 Été'), { recursive: true });
    mkdirSync(join(root, 'copies'));
    const same = uniquePng();
    writePng(root, 'top.png', same);
    writePng(join(root, trip), 'beach.png');
    writePng(join(root, trip, '2024 Été'), 'dune.png');
    writePng(join(root, 'copies'), 'top-again.png', same);
    writeFileSync(join(root, 'notes.txt'), 'not an image');
    writeFileSync(join(root, '.DS_Store'), 'hidden');
    const state = join(tempDir('import-state'), 'state.json');

    const first = await pixelflare(['import', root, '--state', state, '--json'], env);
    // A refused item makes the run partial (exit 7): the rest went through.
    expect(first.code, first.stderr).toBe(7);
    const result = report(first);
    const slug = trip.toLowerCase();
    // The same bytes twice: one is imported, the other (whichever was read second) reported as its duplicate.
    const copies = [statuses(result)['top.png'], statuses(result)['copies/top-again.png']];
    expect(copies.sort()).toEqual(['duplicate', 'imported']);
    expect(statuses(result)).toMatchObject({
      'notes.txt': 'refused',
      [`${trip}/2024 Été/dune.png`]: 'imported',
      [`${trip}/beach.png`]: 'imported',
    });
    expect(result.counts).toEqual({ imported: 3, duplicate: 1, skipped: 0, refused: 1, failed: 0 });
    const bySource = Object.fromEntries(result.items.map((item) => [item.source, item]));
    expect(bySource[`${trip}/beach.png`]!.album).toBe(slug);
    expect(bySource[`${trip}/2024 Été/dune.png`]!.album).toBe(`${slug}-2024-ete`);
    expect(bySource['copies/top-again.png']!.image_id).toBe(bySource['top.png']!.image_id);
    expect(bySource['notes.txt']!.error!.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    const albums = JSON.parse((await pixelflare(['albums', '--json'], env)).stdout) as {
      data: { slug: string; title: string }[];
    };
    expect(albums.data).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ slug, title: trip }),
        expect.objectContaining({ slug: `${slug}-2024-ete`, title: `${trip}/2024 Été` }),
      ]),
    );

    // Again, with the same state: nothing is sent.
    const again = report(await pixelflare(['import', root, '--state', state, '--json'], env));
    expect(again.counts).toEqual({ imported: 0, duplicate: 0, skipped: 4, refused: 1, failed: 0 });

    // Again without the state (another machine): the instance recognises every image, and no album is doubled.
    const elsewhere = await pixelflare(['import', root, '--json'], { ...env, ...asAlice() });
    const fresh = report(elsewhere);
    expect(fresh.counts).toEqual({ imported: 0, duplicate: 4, skipped: 0, refused: 1, failed: 0 });
    const inAlbum = JSON.parse((await pixelflare(['list', '--album', slug, '--json'], env)).stdout) as {
      data: unknown[];
    };
    expect(inAlbum.data).toHaveLength(1);

    // The text report: a line per item and the totals.
    const text = await pixelflare(['import', root, '--state', state], env);
    expect(text.stdout).toContain('0 imported, 0 duplicate, 4 already done, 1 refused, 0 failed');
    expect(text.stderr).toMatch(/refused .*notes\.txt: UNSUPPORTED_MEDIA_TYPE/);
  });

  it('--album puts everything in one album; a missing folder is exit 4', async () => {
    const env = asAlice();
    const album = unique('one');
    await pixelflare(['albums', 'create', album], env);
    const root = tempDir('import-one-album');
    mkdirSync(join(root, 'deep'));
    writePng(join(root, 'deep'), 'x.png');
    const run = await pixelflare(['import', root, '--album', album, '--tags', 'imported', '--json'], env);
    expect(run.code, run.stderr).toBe(0);
    expect(report(run).items[0]).toMatchObject({ status: 'imported', album });

    const missing = await pixelflare(['import', join(root, 'nope')], env);
    expect(missing.code).toBe(4);
  });
});

describe('import from an S3-compatible bucket', () => {
  const aws = new AwsClient({ ...s3, service: 's3', region: 'us-east-1' });
  const put = async (key: string, body: Buffer) => {
    const response = await aws.fetch(
      `${s3.endpoint}/backups/${key.split('/').map(encodeURIComponent).join('/')}`,
      {
        method: 'PUT',
        body: new Uint8Array(body),
      },
    );
    expect(response.status).toBe(200);
  };
  const s3Env = <E extends Record<string, string>>(env: E) => ({
    ...env,
    AWS_ACCESS_KEY_ID: s3.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
  });

  it('imports under a prefix, keeps its folders as albums, and resumes from its state', async () => {
    const env = s3Env(asAlice());
    const prefix = unique('library');
    const folder = unique('scans');
    await put(`${prefix}/first.png`, uniquePng());
    await put(`${prefix}/${folder}/second.png`, uniquePng());
    await put(`${prefix}/${folder}/readme.md`, Buffer.from('# not an image'));
    await put(`${unique('elsewhere')}/outside.png`, uniquePng());
    const args = ['import', `s3://backups/${prefix}/`, '--endpoint', s3.endpoint, '--json'];

    const first = await pixelflare(args, env);
    expect(first.code, first.stderr).toBe(7);
    const result = report(first);
    expect(statuses(result)).toEqual({
      [`${prefix}/first.png`]: 'imported',
      [`${prefix}/${folder}/readme.md`]: 'refused',
      [`${prefix}/${folder}/second.png`]: 'imported',
    });
    const second = result.items.find((item) => item.source.endsWith('second.png'))!;
    expect(second.album).toBe(folder);
    // The object's name, not the temporary file's.
    const image = JSON.parse((await pixelflare(['get', second.image_id!, '--json'], env)).stdout) as {
      filename: string;
    };
    expect(image.filename).toBe('second.png');
    expect(result.state_file).toContain(env.PIXELFLARE_CONFIG_DIR);

    // New objects since: the next run sends only those (the state file is found by the source alone).
    await put(`${prefix}/${folder}/third.png`, uniquePng());
    const next = report(await pixelflare(args, env));
    expect(next.counts).toEqual({ imported: 1, duplicate: 0, skipped: 2, refused: 1, failed: 0 });
    expect(next.state_file).toBe(result.state_file);
    const state = JSON.parse(readFileSync(next.state_file, 'utf8')) as { items: Record<string, unknown> };
    expect(Object.keys(state.items).sort()).toEqual(
      [`${prefix}/${folder}/second.png`, `${prefix}/${folder}/third.png`, `${prefix}/first.png`].sort(),
    );
  });

  it('says why the bucket refused: a wrong secret is SignatureDoesNotMatch, exit 3; no credentials is exit 2', async () => {
    const env = { ...asAlice(), AWS_ACCESS_KEY_ID: s3.accessKeyId, AWS_SECRET_ACCESS_KEY: 'wrong-secret' };
    const run = await pixelflare(['import', 's3://backups/', '--endpoint', s3.endpoint, '--json'], env);
    expect(run.code).toBe(3);
    expect(JSON.parse(run.stderr.trim()).error.code).toBe('SignatureDoesNotMatch');

    const bare = await pixelflare(['import', 's3://backups/', '--endpoint', s3.endpoint], asAlice());
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain('AWS_ACCESS_KEY_ID');
  });
});

describe('import from a list of URLs', () => {
  // A web server on loopback (the stack allows private targets for the tests) with two images and two failures.
  const images = new Map<string, Buffer>();
  let server: Server;
  let origin: string;
  beforeAll(async () => {
    images.set('/a.png', uniquePng());
    images.set('/b.png', uniquePng());
    server = createServer((request, response) => {
      const image = images.get(request.url ?? '');
      if (image) response.writeHead(200, { 'content-type': 'image/png' }).end(image);
      else if (request.url === '/page')
        response.writeHead(200, { 'content-type': 'text/html' }).end('<p>hi</p>');
      else response.writeHead(404).end();
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((done) => server.close(() => done())));

  it('has the instance fetch each URL once, and says why the others were refused', async () => {
    const env = asAlice();
    const list = join(tempDir('import-urls'), 'urls.txt');
    writeFileSync(
      list,
      [
        '# screenshots to bring over',
        `${origin}/a.png`,
        '',
        `${origin}/b.png`,
        `${origin}/a.png`,
        `${origin}/gone.png`,
        `${origin}/page`,
      ].join('\n'),
    );
    const first = await pixelflare(['import', '--urls', list, '--tags', 'from-web', '--json'], env);
    expect(first.code, first.stderr).toBe(7);
    const result = report(first);
    expect(statuses(result)).toEqual({
      [`${origin}/a.png`]: 'imported',
      [`${origin}/b.png`]: 'imported',
      [`${origin}/gone.png`]: 'refused',
      [`${origin}/page`]: 'refused',
    });
    const gone = result.items.find((item) => item.source.endsWith('gone.png'))!;
    expect(gone.error!.code).toBe('BAD_REQUEST');
    expect(gone.reason).toContain('HTTP 404');

    const again = report(await pixelflare(['import', '--urls', list, '--json'], env));
    expect(again.counts).toEqual({ imported: 0, duplicate: 0, skipped: 2, refused: 2, failed: 0 });
    // Without the state file, the instance answers the bytes it already has.
    const elsewhere = report(await pixelflare(['import', '--urls', list, '--json'], asAlice()));
    expect(elsewhere.counts).toMatchObject({ imported: 0, duplicate: 2 });
  });
});
