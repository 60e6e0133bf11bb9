import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VECTOR_INDEXES, VECTORIZE_DIMENSIONS } from '@pixelflare/config';

/** The index wrangler.toml binds, as the API's Workers AI engine names it. */
const INDEX = VECTOR_INDEXES['workers-ai'].name;
import { parse } from 'smol-toml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../src/wrangler.ts';
import { startCloudflareApiStandIn, type CloudflareApiStandIn } from './cloudflare-api-stand-in.ts';
import { runCli } from './run.ts';

const QUEUES = [
  'pixelflare-variants',
  'pixelflare-webhooks',
  'pixelflare-backups',
  'pixelflare-custom-domains',
  'pixelflare-variants-dlq',
  'pixelflare-webhooks-dlq',
  'pixelflare-backups-dlq',
  'pixelflare-custom-domains-dlq',
];

let standIn: CloudflareApiStandIn;
let dir: string;
let out: string;

beforeEach(async () => {
  standIn = await startCloudflareApiStandIn();
  dir = mkdtempSync(join(tmpdir(), 'provision-test-'));
  out = join(dir, 'wrangler.production.toml');
});

afterEach(async () => {
  await standIn.close();
  rmSync(dir, { recursive: true, force: true });
});

const writes = () => standIn.requests.filter((request) => request.method !== 'GET');

describe('pnpm provision', () => {
  it('creates every resource of the root wrangler.toml, then finds them all and leaves the config byte-identical', async () => {
    const first = await runCli('provision', ['--out', out], standIn);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);

    expect(standIn.state.d1.map((db) => db.name)).toEqual(['pixelflare-db']);
    expect(standIn.state.r2.map((bucket) => bucket.name)).toEqual(['pixelflare-images']);
    expect(standIn.state.kv.map((namespace) => namespace.title)).toEqual(['pixelflare-kv']);
    expect(standIn.state.queues.map((queue) => queue.queue_name).sort()).toEqual([...QUEUES].sort());
    expect(standIn.state.vectorize).toMatchObject([
      { name: INDEX, config: { dimensions: VECTORIZE_DIMENSIONS, metric: 'cosine' } },
    ]);
    // Every query filters on the owner, which Vectorize does only on a property with a metadata index.
    expect(standIn.state.vectorizeMetadata.get(INDEX)).toEqual([
      { propertyName: 'owner', indexType: 'string' },
    ]);
    expect(first.stdout).toMatch(/created\s+Queue\s+pixelflare-custom-domains-dlq/);
    expect(first.stdout).toMatch(/created\s+Metadata index\s+\S+ owner \(string\)/);

    // The generated config carries the stand-in's ids and still points at the repository's files.
    const text = readFileSync(out, 'utf8');
    const config = parse(text) as {
      main: string;
      d1_databases: { database_id: string; migrations_dir: string }[];
      kv_namespaces: { id: string }[];
    };
    expect(config.d1_databases[0]!.database_id).toBe(standIn.state.d1[0]!.uuid);
    expect(config.kv_namespaces[0]!.id).toBe(standIn.state.kv[0]!.id);
    expect(join(dir, config.main)).toBe(join(REPO_ROOT, 'packages/api/src/index.ts'));
    expect(join(dir, config.d1_databases[0]!.migrations_dir)).toBe(
      join(REPO_ROOT, 'packages/database/migrations'),
    );
    expect(text).not.toContain('00000000-0000-0000-0000-000000000000');

    const writesAfterFirst = writes().length;
    const mtime = statSync(out).mtimeMs;
    const second = await runCli('provision', ['--out', out], standIn);
    expect(second.code).toBe(0);
    expect(second.stdout).not.toMatch(/created/);
    const found = second.stdout.split('\n').filter((line) => line.startsWith('found'));
    expect(found).toHaveLength(1 + 1 + 1 + QUEUES.length + 1 + 1);
    expect(writes()).toHaveLength(writesAfterFirst);
    expect(readFileSync(out, 'utf8')).toBe(text);
    expect(statSync(out).mtimeMs).toBe(mtime);
  });

  it("stops at an API failure, naming the resource and quoting Cloudflare's message", async () => {
    standIn.failures.push({
      method: 'POST',
      path: /^\/queues$/,
      status: 403,
      code: 11000,
      message: 'Queues require a Workers Paid plan',
    });
    const result = await runCli('provision', ['--out', out], standIn);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('could not create Queue pixelflare-variants');
    expect(result.stderr).toContain('Queues require a Workers Paid plan');
    // No config is written from a half-provisioned account.
    expect(() => statSync(out)).toThrow();
  });

  it('adds the owner metadata index to an existing Vectorize index that lacks it', async () => {
    standIn.state.vectorize.push({
      name: INDEX,
      description: '',
      config: { dimensions: VECTORIZE_DIMENSIONS, metric: 'cosine' },
      created_on: '2026-01-01T00:00:00.000Z',
      modified_on: '2026-01-01T00:00:00.000Z',
    });
    const result = await runCli('provision', ['--out', out], standIn);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/found\s+Vectorize index/);
    expect(standIn.state.vectorizeMetadata.get(INDEX)).toEqual([
      { propertyName: 'owner', indexType: 'string' },
    ]);
    expect(writes().filter((request) => request.path.includes('/vectorize/'))).toEqual([
      { method: 'POST', path: expect.stringMatching(/\/metadata_index\/create$/) },
    ]);
  });

  it('refuses a Vectorize index whose dimensions do not fit the embedding model', async () => {
    standIn.state.vectorize.push({
      name: INDEX,
      description: '',
      config: { dimensions: 384, metric: 'cosine' },
      created_on: '2026-01-01T00:00:00.000Z',
      modified_on: '2026-01-01T00:00:00.000Z',
    });
    const result = await runCli('provision', ['--out', out], standIn);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`Vectorize index ${INDEX} has 384 dimensions`);
    expect(result.stderr).toContain(`needs ${VECTORIZE_DIMENSIONS}`);
    // Checked before anything is created.
    expect(writes()).toEqual([]);
  });
});
