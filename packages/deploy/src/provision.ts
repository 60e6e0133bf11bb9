/**
 * `pnpm provision [--env production|staging] [--config wrangler.toml] [--out wrangler.<env>.toml]`
 *
 * Finds or creates every account resource the Worker's config names (D1, R2, KV, each queue and dead-letter queue,
 * the Vectorize index and its metadata index on `owner`) with wrangler's own commands, then writes the deploy configuration: the source config with
 * this account's ids. Idempotent: a second run finds everything, creates nothing and leaves the file as it was.
 * Credentials are wrangler's: `wrangler login`, or CLOUDFLARE_API_TOKEN and CLOUDFLARE_ACCOUNT_ID.
 */
import { ensureHealthCheck, HEALTH_CHECK_NAME } from './health-check.ts';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { deployConfigText, readWranglerConfig, resourcesOf, type ProvisionedIds } from './resources.ts';
import { REPO_ROOT, runWrangler, wranglerError, type CommandResult } from './wrangler.ts';

export class ProvisionError extends Error {}

/** Each wrangler call runs in an empty directory, so no command can read or offer to edit a project config. */
let workDir = '';

async function wrangler(args: string[], failure: string): Promise<CommandResult> {
  const result = await runWrangler(args, { cwd: workDir });
  if (result.code !== 0) throw new ProvisionError(`${failure}: ${wranglerError(result)}`);
  return result;
}

function report(state: 'found' | 'created', kind: string, name: string, id?: string): void {
  console.log(`${state.padEnd(7)} ${kind.padEnd(16)} ${name}${id ? ` (${id})` : ''}`);
}

async function listD1(): Promise<{ uuid: string; name: string }[]> {
  const { stdout } = await wrangler(['d1', 'list', '--json'], 'could not list D1 databases');
  return JSON.parse(stdout) as { uuid: string; name: string }[];
}

async function listKv(): Promise<{ id: string; title: string }[]> {
  const { stdout } = await wrangler(['kv', 'namespace', 'list'], 'could not list KV namespaces');
  return JSON.parse(stdout) as { id: string; title: string }[];
}

/** `wrangler r2 bucket list` prints `name: <bucket>` lines (it has no --json). */
async function listR2(): Promise<Set<string>> {
  const { stdout } = await wrangler(['r2', 'bucket', 'list'], 'could not list R2 buckets');
  return new Set([...stdout.matchAll(/^name:\s+(\S+)\s*$/gm)].map((match) => match[1]!));
}

/** `wrangler queues list` prints one page as a table (it has no --json): read pages until one is empty. */
async function listQueues(): Promise<Set<string>> {
  const names = new Set<string>();
  for (let page = 1; ; page++) {
    const { stdout } = await wrangler(['queues', 'list', '--page', String(page)], 'could not list queues');
    const rows = [...stdout.matchAll(/^│\s*([0-9a-f]{32})\s*│\s*(\S+)\s*│/gm)].map((match) => match[2]!);
    if (rows.length === 0) return names;
    for (const name of rows) names.add(name);
  }
}

interface VectorizeIndexListed {
  name: string;
  config: { dimensions: number; metric: string };
}

/** The account's Vectorize indexes, with the metadata properties of those the config names. */
async function listVectorize(
  wanted: readonly { name: string }[],
): Promise<(VectorizeIndexListed & { metadataIndexes: Set<string> })[]> {
  const { stdout } = await wrangler(['vectorize', 'list', '--json'], 'could not list Vectorize indexes');
  // An account without indexes gets a sentence, not JSON.
  const indexes: VectorizeIndexListed[] = stdout.trim().startsWith('[') ? JSON.parse(stdout) : [];
  return Promise.all(
    indexes.map(async (index) => ({
      ...index,
      metadataIndexes: wanted.some(({ name }) => name === index.name)
        ? await listMetadataIndexes(index.name)
        : new Set<string>(),
    })),
  );
}

/** The properties an index has a metadata index on (`list-metadata-index --json`; no JSON when it has none). */
async function listMetadataIndexes(index: string): Promise<Set<string>> {
  const { stdout } = await wrangler(
    ['vectorize', 'list-metadata-index', index, '--json'],
    `could not list the metadata indexes of Vectorize index ${index}`,
  );
  const text = stdout.trim();
  const listed = text.startsWith('[') ? (JSON.parse(text) as { propertyName: string }[]) : [];
  return new Set(listed.map((entry) => entry.propertyName));
}

export interface ProvisionOptions {
  env: string;
  configPath: string;
  outPath: string;
}

interface PlannedResource {
  kind: string;
  name: string;
  id?: string;
  /** Set when the resource is missing: the wrangler command that creates it. */
  create?: string[];
  /** Resources of this one, made after it exists (a Vectorize index's metadata indexes). */
  then?: PlannedResource[];
}

/** Wrangler takes seconds to start: run up to this many at once (they mostly wait on the API). */
const CONCURRENT_COMMANDS = 6;

/**
 * Runs each task in order, at most `limit` at a time; after a failure starts no more, and rethrows the failure of
 * the earliest task (tasks start in order, so that is the same one on every run).
 */
async function runLimited(tasks: (() => Promise<void>)[], limit: number): Promise<void> {
  let next = 0;
  const failures = new Map<number, unknown>();
  async function worker(): Promise<void> {
    while (failures.size === 0 && next < tasks.length) {
      const index = next++;
      try {
        await tasks[index]!();
      } catch (error) {
        failures.set(index, error);
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  if (failures.size > 0) throw failures.get(Math.min(...failures.keys()));
}

export async function provision({ configPath, outPath }: ProvisionOptions): Promise<void> {
  const resources = resourcesOf(readWranglerConfig(configPath));
  const [databases, buckets, namespaces, queues, indexes] = await Promise.all([
    listD1(),
    listR2(),
    listKv(),
    listQueues(),
    listVectorize(resources.vectorize),
  ]);

  const plan: PlannedResource[] = [];
  for (const { name } of resources.d1) {
    const database = databases.find((db) => db.name === name);
    plan.push({
      kind: 'D1 database',
      name,
      id: database?.uuid,
      create: database ? undefined : ['d1', 'create', name],
    });
  }
  for (const name of resources.r2) {
    plan.push({
      kind: 'R2 bucket',
      name,
      create: buckets.has(name) ? undefined : ['r2', 'bucket', 'create', name],
    });
  }
  for (const { title } of resources.kv) {
    const namespace = namespaces.find((candidate) => candidate.title === title);
    plan.push({
      kind: 'KV namespace',
      name: title,
      id: namespace?.id,
      create: namespace ? undefined : ['kv', 'namespace', 'create', title],
    });
  }
  for (const name of resources.queues) {
    plan.push({ kind: 'Queue', name, create: queues.has(name) ? undefined : ['queues', 'create', name] });
  }
  for (const { name, dimensions, metric, metadataIndexes } of resources.vectorize) {
    const index = indexes.find((candidate) => candidate.name === name);
    // Dimensions and metric are fixed when an index is made: a mismatch needs a new index, not a deploy.
    if (index && (index.config.dimensions !== dimensions || index.config.metric !== metric)) {
      throw new ProvisionError(
        `Vectorize index ${name} has ${index.config.dimensions} dimensions (${index.config.metric}); ` +
          `image search needs ${dimensions} (${metric}): delete it or name another index`,
      );
    }
    const create = ['vectorize', 'create', name, '--dimensions', String(dimensions), '--metric', metric];
    const then = metadataIndexes.map(({ propertyName, type }) => ({
      kind: 'Metadata index',
      name: `${name} ${propertyName} (${type})`,
      create: index?.metadataIndexes.has(propertyName)
        ? undefined
        : ['vectorize', 'create-metadata-index', name, '--propertyName', propertyName, '--type', type],
    }));
    plan.push({ kind: 'Vectorize index', name, create: index ? undefined : create, then });
  }

  const created = new Set<PlannedResource>();
  const create = async (resource: PlannedResource) => {
    if (resource.create) {
      await wrangler(resource.create, `could not create ${resource.kind} ${resource.name}`);
      created.add(resource);
    }
    for (const next of resource.then ?? []) await create(next);
  };
  const needed = (resource: PlannedResource): boolean =>
    Boolean(resource.create) || (resource.then ?? []).some(needed);
  const all = plan.flatMap((resource) => [resource, ...(resource.then ?? [])]);
  try {
    await runLimited(
      plan.filter(needed).map((resource) => () => create(resource)),
      CONCURRENT_COMMANDS,
    );
  } finally {
    for (const resource of all) {
      if (!resource.create) report('found', resource.kind, resource.name, resource.id);
      else if (created.has(resource)) report('created', resource.kind, resource.name);
    }
  }

  // New databases and namespaces get their ids from a fresh listing (create's output is meant for people).
  const createdKinds = new Set([...created].map((resource) => resource.kind));
  const [databasesNow, namespacesNow] = await Promise.all([
    createdKinds.has('D1 database') ? listD1() : databases,
    createdKinds.has('KV namespace') ? listKv() : namespaces,
  ]);
  const ids: ProvisionedIds = { d1: {}, kv: {} };
  for (const { binding, name } of resources.d1) {
    const database = databasesNow.find((db) => db.name === name);
    if (!database) throw new ProvisionError(`D1 database ${name} was created but is not listed`);
    ids.d1[binding] = database.uuid;
  }
  for (const { binding, title } of resources.kv) {
    const namespace = namespacesNow.find((candidate) => candidate.title === title);
    if (!namespace) throw new ProvisionError(`KV namespace ${title} was created but is not listed`);
    ids.kv[binding] = namespace.id;
  }

  const text = deployConfigText(configPath, outPath, ids);
  const shown = relative(process.cwd(), outPath) || outPath;
  if (existsSync(outPath) && readFileSync(outPath, 'utf8') === text) console.log(`unchanged ${shown}`);
  else {
    writeFileSync(outPath, text);
    console.log(`wrote   ${shown}`);
  }
}

export function deployConfigPath(configPath: string, env: string): string {
  return join(dirname(configPath), `wrangler.${env}.toml`);
}

/** ENABLE_HEALTH_CHECKS=true (a paid zone plan): the zone's health check on https://PUBLIC_HOSTNAME/v1/status. */
async function provisionHealthCheck(): Promise<void> {
  const needed = ['CLOUDFLARE_API_TOKEN', 'CLOUDFLARE_ZONE_ID', 'PUBLIC_HOSTNAME'] as const;
  const missing = needed.filter((name) => !process.env[name]?.trim());
  if (missing.length > 0)
    throw new ProvisionError(`ENABLE_HEALTH_CHECKS=true needs ${missing.join(', ')} in the environment`);
  const outcome = await ensureHealthCheck({
    apiBase: process.env.CLOUDFLARE_API_BASE_URL?.trim() || 'https://api.cloudflare.com/client/v4',
    apiToken: process.env.CLOUDFLARE_API_TOKEN!.trim(),
    zoneId: process.env.CLOUDFLARE_ZONE_ID!.trim(),
    hostname: process.env.PUBLIC_HOSTNAME!.trim(),
  }).catch((error: unknown) => {
    throw new ProvisionError(`health check ${HEALTH_CHECK_NAME}: ${(error as Error).message}`);
  });
  console.log(
    `  ${outcome === 'found' ? 'found  ' : 'created'} health check ${HEALTH_CHECK_NAME} on /v1/status`,
  );
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      env: { type: 'string', default: 'production' },
      config: { type: 'string', default: join(REPO_ROOT, 'wrangler.toml') },
      out: { type: 'string' },
    },
  });
  const env = values.env;
  if (!/^[a-z][a-z0-9-]*$/.test(env))
    throw new ProvisionError(`--env ${env}: use lowercase letters, digits and -`);
  const configPath = resolve(values.config);
  const outPath = resolve(values.out ?? deployConfigPath(configPath, env));
  workDir = mkdtempSync(join(tmpdir(), 'pixelflare-provision-'));
  try {
    console.log(`Provisioning ${env} from ${relative(process.cwd(), configPath) || configPath}`);
    await provision({ env, configPath, outPath });
    if (process.env.ENABLE_HEALTH_CHECKS === 'true') await provisionHealthCheck();
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(`provision: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
