/**
 * Capacity of one D1 database: the images table grown to 1 million rows across 1,000 owners (one owner holds
 * 10 %, the rest a long tail), measured at each step (10k, 100k, 1M by default):
 *   - bytes per image row, per index and for full-text search (sqlite `dbstat` over the database file);
 *   - the database size D1 reports (`size_after`, what counts against the 10 GB limit);
 *   - every listing sort at a first and a deep page, the album listing and FTS search: the real SQL of
 *     `listImagesQuery` (packages/api, turned into SQL by Drizzle's toSQL), run through wrangler's local D1
 *     (rows read, round trip) and in-process on the same file (engine time), beside a primary-key lookup (the
 *     floor) and a full `count(*)` (what one full scan costs);
 *   - bound parameters of the largest listing query (D1 refuses more than 100).
 * Schema and indexes are the real migrations (packages/database/migrations), applied by wrangler.
 * Run from the repository root: `pnpm --filter @pixelflare/bench capacity`
 * (CAPACITY_STEPS=10000,100000 for a shorter run; CAPACITY_ITERATIONS sets timed runs per query, default 15).
 * Not part of CI. Needs the pinned Node 22 (scripts/env.sh): sizes and engine times use node:sqlite.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
// The repository root's wrangler (found by walking up from bench/): the same local D1 as `npm start`.
import { getPlatformProxy } from 'wrangler';
import { EAGER_VARIANT_FORMATS } from '../../packages/config/src/index';
import type { ImageListQuery } from '../../packages/shared/src/index';
import { createDb } from '../../packages/database/src/index';
import { listImagesQuery } from '../../packages/api/src/services/images/manage';

const root = path.resolve(import.meta.dirname, '../..');
const config = path.join(import.meta.dirname, 'wrangler.toml');
const state = mkdtempSync(path.join(os.tmpdir(), 'pf-capacity-'));
// Removed however the run ends (a 1M-row database is about 1 GB).
process.on('exit', () => rmSync(state, { recursive: true, force: true }));
const STEPS = (process.env.CAPACITY_STEPS ?? '10000,100000,1000000').split(',').map(Number);
const ITERATIONS = Number(process.env.CAPACITY_ITERATIONS ?? 15);
const OWNERS = 1000;
const WHALE = 'usr_0000';
const CHUNK = 5_000; // rows per INSERT: keeps each statement well under a second on a loaded machine
const DEEP = 0.9; // the deep page starts 90 % of the way through the owner's images
const VARIANT_SAMPLE = 10_000; // images given a full set of rendition rows after the steps
/** wrangler.toml's ALLOWED_VARIANTS with each preset's width (thumb and og-image as stored). */
const VARIANT_PRESET_WIDTHS: [string, number][] = [
  ['w128', 128],
  ['w256', 256],
  ['w512', 512],
  ['w1024', 1024],
  ['w1536', 1536],
  ['w2048', 2048],
  ['thumb', 256],
  ['og-image', 1200],
];

interface D1Meta {
  rows_read: number;
  rows_written: number;
  size_after: number;
  duration: number;
}

const wrangler = (...args: string[]) =>
  execFileSync('wrangler', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};

/** The SQLite file wrangler's local D1 keeps the database in. */
function databaseFile(): string {
  const dir = path.join(state, 'v3/d1/miniflare-D1DatabaseObject');
  const file = readdirSync(dir).find((name) => name.endsWith('.sqlite') && name !== 'metadata.sqlite');
  if (!file) throw new Error(`no D1 database file in ${dir}`);
  return path.join(dir, file);
}

const WORDS = [
  'beach',
  'sunset',
  'mountain',
  'river',
  'forest',
  'city',
  'street',
  'night',
  'portrait',
  'family',
  'wedding',
  'birthday',
  'garden',
  'flower',
  'dog',
  'cat',
  'bird',
  'snow',
  'winter',
  'summer',
  'autumn',
  'spring',
  'lake',
  'ocean',
  'boat',
  'bridge',
  'tower',
  'market',
  'coffee',
  'dinner',
  'kitchen',
  'office',
  'concert',
  'stage',
  'festival',
  'museum',
  'castle',
  'desert',
  'canyon',
  'island',
  'harbour',
  'train',
  'station',
  'airport',
  'screenshot',
  'receipt',
  'document',
  'whiteboard',
  'sketch',
  'logo',
  'banner',
  'product',
  'team',
  'party',
  'holiday',
  'road',
  'bicycle',
  'car',
  'window',
  'door',
  'rain',
  'cloud',
  'sky',
  'moon',
];
const wordsCte = `words(k, w) as (values ${WORDS.map((word, k) => `(${k}, '${word}')`).join(', ')})`;
const word = (expr: string) => `(select w from words where k = (${expr}) % ${WORDS.length})`;

/**
 * One INSERT … SELECT that adds rows [from, to). Row i goes to the largest owner when i % 10 = 0, otherwise to
 * owner 1 + ⌊999·r²⌋ (r uniform: a long tail); every other attribute comes from h (high bits of a
 * multiplicative hash of i), so it is
 * independent of the owner: 30 % in one of three albums, half with a title, 30 % with alt text, 10 % with a
 * description, 2 % in the trash, 4 % private, 80 % JPEG (60 % of those with an EXIF summary).
 */
function insertImages(from: number, to: number): string {
  const owner = `case when i % 10 = 0 then '${WHALE}' else 'usr_' || printf('%04d', 1 + cast(998.999 * r * r as integer)) end`;
  return `with recursive n(i) as (select ${from} union all select i + 1 from n where i < ${to - 1}),
  ${wordsCte},
  base as (
    select i, (i * 2654435761) % 4294967296 as p, (abs(random()) % 1000000) / 1000000.0 as r,
      1672531200000 + i * 90000 + abs(random()) % 60000 as at
    from n
  ),
  mixed as (select *, p / 256 as h from base),
  rows as (
    select i, p, h, at, ${owner} as owner,
      case when (h / 29) % 20 < 16 then 'jpg' when (h / 29) % 20 < 19 then 'png' else 'webp' end as ext,
      case when (h / 7) % 10 < 3 then 'album-' || ((h / 7) % 10) else 'default' end as album,
      'img_' || printf('%09x', i) || lower(hex(randomblob(6))) as id
    from mixed
  )
  insert into images (id, short_id, owner_id, album_id, album_slug, filename, content_type, bytes, width, height,
    content_hash, storage_key, title, alt, description, is_private, status, exif, backup_status, deleted_at,
    created_at, updated_at)
  select id, printf('%06x', p % 16777216), owner,
    case when album = 'default' then null else 'alb_' || owner || '_' || ((h / 7) % 10) end, album,
    ${word('h')} || '-' || ${word('h / 64')} || '-' || i || '.' || ext,
    case ext when 'jpg' then 'image/jpeg' when 'png' then 'image/png' else 'image/webp' end,
    50000 + abs(random()) % 8000000, 1000 + abs(random()) % 5000, 1000 + abs(random()) % 4000,
    lower(hex(randomblob(32))), owner || '/' || album || '/' || id || '/original.' || ext,
    case when (h / 5) % 2 = 0 then ${word('h / 31')} || ' ' || ${word('h / 37')} || case when (h / 3) % 1000 = 0 then ' aurora' else '' end end,
    case when (h / 11) % 10 < 3 then 'A photo of ' || ${word('h / 41')} || ' and ' || ${word('h / 43')} end,
    case when (h / 13) % 10 = 0 then 'Taken on the way to the ' || ${word('h / 47')} || ', a ' || ${word('h / 53')} || ' beside the ' || ${word('h / 59')} || ' with the ' || ${word('h / 61')} || ' in the background.' end,
    (h / 17) % 25 = 0, 'ready',
    case when ext = 'jpg' and (h / 23) % 5 < 3 then '{"kept":["Orientation","ICC"],"stripped":["GPS","SerialNumber","XMP"],"camera":"Canon EOS R6","takenAt":"' || strftime('%Y-%m-%dT%H:%M:%S.000Z', at / 1000, 'unixepoch') || '"}' end,
    'none', case when (h / 19) % 50 = 0 then at + 86400000 end, at, at
  from rows`;
}

/** The owners (usr_0000 … usr_0999) and three albums each, generated in SQL (a literal list passes D1's 100 KB). */
function seedOwners(): string[] {
  const owners = `with recursive n(k) as (select 0 union all select k + 1 from n where k < ${OWNERS - 1})`;
  return [
    `${owners} insert into users (id, slug, created_at, updated_at) select 'usr_' || printf('%04d', k), printf('%04d', k), 0, 0 from n`,
    `with a(k) as (values (0), (1), (2)) insert into albums (id, owner_id, slug, title, created_at, updated_at)
     select 'alb_' || u.id || '_' || a.k, u.id, 'album-' || a.k, 'Album ' || a.k, 0, 0 from users u, a`,
  ];
}

type Sort = NonNullable<ImageListQuery['sort']>;
const SORTS: { sort: Sort; column: string; desc: boolean }[] = [
  { sort: 'newest', column: 'created_at', desc: true },
  { sort: 'oldest', column: 'created_at', desc: false },
  { sort: 'name', column: 'filename', desc: false },
  { sort: 'size', column: 'bytes', desc: true },
];

interface Probe {
  name: string;
  sql: string;
  params: unknown[];
}

const openLocalD1 = () =>
  getPlatformProxy<{ DB: D1Database }>({ configPath: config, persist: { path: path.join(state, 'v3') } });

const drizzleSql = createDb({} as D1Database); // builds SQL only (toSQL); never executes
function listingProbe(name: string, ownerId: string, query: ImageListQuery): Probe {
  const select = listImagesQuery(drizzleSql, ownerId, query);
  if (!select) throw new Error(`${name}: the query matches nothing`);
  const { sql, params } = select.toSQL();
  return { name, sql, params };
}

/** The cursor listImages would hand out after the row at `offset` in the sort (the same JSON, base64url). */
async function cursorAt(db: D1Database, ownerId: string, sort: (typeof SORTS)[number], offset: number) {
  const direction = sort.desc ? 'desc' : 'asc';
  const row = await db
    .prepare(
      `select ${sort.column} as v, id from images where owner_id = ? and status = 'ready' and deleted_at is null
       order by ${sort.column} ${direction}, id ${direction} limit 1 offset ?`,
    )
    .bind(ownerId, offset)
    .first<{ v: number | string; id: string }>();
  if (!row) throw new Error(`no row at offset ${offset} for ${ownerId}`);
  return Buffer.from(JSON.stringify({ v: row.v, id: row.id })).toString('base64url');
}

interface SampleImage {
  id: string;
  owner_id: string;
  album_slug: string;
  filename: string;
}

async function probesFor(
  db: D1Database,
  owners: { id: string; label: string; live: number }[],
  sample: SampleImage,
) {
  const probes: Probe[] = [
    { name: 'floor: primary-key lookup', sql: 'select * from images where id = ?', params: [sample.id] },
    {
      name: 'CDN miss: image by owner, album and filename',
      sql: 'select * from images where owner_id = ? and album_slug = ? and filename = ?',
      params: [sample.owner_id, sample.album_slug, sample.filename],
    },
    { name: 'full scan: select count(*) from images', sql: 'select count(*) from images', params: [] },
  ];
  for (const owner of owners) {
    for (const sort of SORTS) {
      probes.push(listingProbe(`${owner.label}, ${sort.sort}, first page`, owner.id, { sort: sort.sort }));
      const cursor = await cursorAt(db, owner.id, sort, Math.floor(owner.live * DEEP));
      probes.push(
        listingProbe(`${owner.label}, ${sort.sort}, deep page`, owner.id, { sort: sort.sort, cursor }),
      );
    }
  }
  const [whale, typical] = owners;
  probes.push(listingProbe(`${whale!.label}, album, newest`, whale!.id, { album: 'album-1' }));
  probes.push(
    listingProbe(`${whale!.label}, album, size, deep page`, whale!.id, {
      album: 'album-1',
      sort: 'size',
      cursor: await cursorAt(db, whale!.id, SORTS[3]!, 0),
    }),
  );
  probes.push(listingProbe(`${whale!.label}, search "beach" (common)`, whale!.id, { q: 'beach' }));
  probes.push(listingProbe(`${whale!.label}, search "aurora" (rare)`, whale!.id, { q: 'aurora' }));
  probes.push(listingProbe(`${whale!.label}, search "sun" (prefix)`, whale!.id, { q: 'sun' }));
  probes.push(listingProbe(`${typical!.label}, search "beach" (common)`, typical!.id, { q: 'beach' }));
  return probes;
}

/** Largest listing the API can be asked for: every filter at once, with a cursor. */
function largestListing(): Probe {
  const cursor = Buffer.from(JSON.stringify({ v: 1, id: 'img_x' })).toString('base64url');
  return listingProbe('every filter, with a cursor', WHALE, {
    sort: 'size',
    q: 'beach sunset',
    album: 'album-1',
    tag: 'holiday',
    favourite: true,
    content_type: 'image/jpeg',
    from: '2023-01-01T00:00:00.000Z',
    to: '2026-01-01T00:00:00.000Z',
    cursor,
    limit: 100,
  } as ImageListQuery);
}

interface D1Result {
  rowsRead: number;
  rows: number;
  roundTripMs: number;
  sqlMs: number;
}

async function timeThroughD1(db: D1Database, probe: Probe): Promise<D1Result> {
  const run = () =>
    db
      .prepare(probe.sql)
      .bind(...probe.params)
      .all();
  await run();
  const trips: number[] = [];
  const sql: number[] = [];
  let last = await run();
  for (let i = 0; i < ITERATIONS; i++) {
    const started = performance.now();
    last = await run();
    trips.push(performance.now() - started);
    sql.push((last.meta as unknown as D1Meta).duration);
  }
  return {
    rowsRead: (last.meta as unknown as D1Meta).rows_read,
    rows: last.results.length,
    roundTripMs: median(trips),
    sqlMs: median(sql),
  };
}

interface EngineResult {
  ms: number;
  plan: string;
}

function timeInEngine(file: DatabaseSync, probe: Probe): EngineResult {
  const params = probe.params as (string | number)[];
  const statement = file.prepare(probe.sql);
  statement.all(...params);
  const times: number[] = [];
  for (let i = 0; i < ITERATIONS * 2; i++) {
    const started = performance.now();
    statement.all(...params);
    times.push(performance.now() - started);
  }
  const plan = file
    .prepare(`explain query plan ${probe.sql}`)
    .all(...params)
    .map((row) => String(row.detail))
    .filter((detail) => /USING|SCAN|TEMP B-TREE|VIRTUAL TABLE/.test(detail))
    .map((detail) =>
      detail
        .replace(/ \(.*\)$/, '')
        .replace('USING COVERING INDEX', 'covering')
        .replace('USING INDEX', 'index'),
    )
    .join('; ');
  return { ms: median(times), plan };
}

interface SizeRow {
  name: string;
  bytes: number;
}

function sizes(file: DatabaseSync): SizeRow[] {
  return file
    .prepare('select name, sum(pgsize) as bytes from dbstat group by name order by bytes desc')
    .all()
    .map((row) => ({ name: String(row.name), bytes: Number(row.bytes) }));
}

const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const mib = (bytes: number) => `${fmt(bytes / 1024 / 1024, 1)} MiB`;

// --- run ---------------------------------------------------------------------------------------------------
const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
console.log(`# Capacity bench: images table in one D1 database`);
console.log(
  `machine: ${os.cpus()[0]?.model ?? 'unknown CPU'} × ${os.cpus().length}, ${mib(os.totalmem())} RAM, load ${os
    .loadavg()
    .map((load) => load.toFixed(1))
    .join(' ')}; Node ${process.version}; date ${new Date().toISOString()}; commit ${commit}`,
);
console.log(
  `steps: ${STEPS.map((n) => fmt(n)).join(', ')} images; ${OWNERS} owners; ${ITERATIONS} timed runs per query (engine: ${ITERATIONS * 2})\n`,
);

wrangler('d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', state, '--config', config);

const largest = largestListing();
console.log(
  `Largest listing query: ${largest.params.length} bound parameters (D1 allows 100): ${largest.name}.\n`,
);

const summary: string[] = [];
let lastSearches: Probe[] = [];
let inserted = 0;
const benchStarted = performance.now();
for (const [stepIndex, target] of STEPS.entries()) {
  let proxy = await openLocalD1();
  let db = proxy.env.DB;
  if (stepIndex === 0) for (const statement of seedOwners()) await db.prepare(statement).run();

  // Grow the table.
  let insertMs = 0;
  const growFrom = inserted;
  let restarts = 0;
  while (inserted < target) {
    const to = Math.min(inserted + CHUNK, target);
    try {
      const result = await db.prepare(insertImages(inserted, to)).run();
      insertMs += (result.meta as unknown as D1Meta).duration;
      inserted = to;
    } catch (error) {
      // The local runtime can go away on a loaded machine (seen once: "other side closed"). Each chunk is one
      // statement, so it either committed or not: restart and resume from the rows that are there.
      if (++restarts > 3) throw error;
      console.log(`(local D1 failed at ${fmt(inserted)} rows: ${String(error)}; restarting it and resuming)`);
      await proxy.dispose().catch(() => undefined);
      proxy = await openLocalD1();
      db = proxy.env.DB;
      inserted = (await db.prepare('select count(*) as n from images').first<{ n: number }>())!.n;
    }
  }
  const sizeAfter = ((await db.prepare('select 1').run()).meta as unknown as D1Meta).size_after;

  const counts = (
    await db
      .prepare(
        `select owner_id as id, count(*) as live from images where status = 'ready' and deleted_at is null group by owner_id order by live desc`,
      )
      .all<{ id: string; live: number }>()
  ).results;
  const whale = counts.find((row) => row.id === WHALE)!;
  const typical = counts[Math.floor(counts.length / 2)]!;
  const owners = [
    { id: whale.id, label: `largest owner (${fmt(whale.live)} images)`, live: whale.live },
    { id: typical.id, label: `median owner (${fmt(typical.live)})`, live: typical.live },
  ];
  const sample = (await db
    .prepare('select id, owner_id, album_slug, filename from images where rowid = ?')
    .bind(Math.floor(target / 2))
    .first<SampleImage>())!;
  const probes = await probesFor(db, owners, sample);
  const throughD1 = new Map<string, D1Result>();
  for (const probe of probes) throughD1.set(probe.name, await timeThroughD1(db, probe));
  await proxy.dispose();
  lastSearches = probes.filter((probe) => probe.name.includes('search'));

  // Sizes and engine times, in-process on the same file (D1's local runtime closed).
  const file = new DatabaseSync(databaseFile(), { readOnly: true });
  const objects = sizes(file);
  const engine = new Map(probes.map((probe) => [probe.name, timeInEngine(file, probe)]));
  file.close();

  const byName = (name: string) => objects.find((row) => row.name === name)?.bytes ?? 0;
  const imageIndexes = objects.filter(
    (row) =>
      (row.name.startsWith('images_') && !row.name.startsWith('images_fts')) ||
      row.name === 'sqlite_autoindex_images_1',
  );
  const fts = objects.filter((row) => row.name.startsWith('images_fts'));
  const indexBytes = imageIndexes.reduce((sum, row) => sum + row.bytes, 0);
  const ftsBytes = fts.reduce((sum, row) => sum + row.bytes, 0);
  const tableBytes = byName('images');

  console.log(
    `## ${fmt(target)} images (largest owner ${fmt(whale.live)}, median owner ${fmt(typical.live)} live images)\n`,
  );
  console.log(
    `Insert: ${fmt((insertMs * 1000) / (target - growFrom), 0)} µs per image (D1 SQL time, triggers and indexes included). ` +
      `Database size (D1 size_after): ${mib(sizeAfter)}, ${fmt(sizeAfter / target)} bytes per image.\n`,
  );
  console.log('| object | size | bytes per image |');
  console.log('| --- | --- | --- |');
  console.log(`| images table | ${mib(tableBytes)} | ${fmt(tableBytes / target)} |`);
  for (const row of imageIndexes)
    console.log(`| index ${row.name} | ${mib(row.bytes)} | ${fmt(row.bytes / target)} |`);
  console.log(
    `| all ${imageIndexes.length} images indexes | ${mib(indexBytes)} | ${fmt(indexBytes / target)} |`,
  );
  console.log(
    `| full-text search (${fts.map((row) => row.name).join(', ')}) | ${mib(ftsBytes)} | ${fmt(ftsBytes / target)} |`,
  );
  console.log('');

  const floor = throughD1.get(probes[0]!.name)!;
  const floorEngine = engine.get(probes[0]!.name)!;
  console.log(
    '| query | rows returned | rows read (D1) | D1 round trip p50 ms | engine p50 ms | vs floor (engine) | plan |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const probe of probes) {
    const d1 = throughD1.get(probe.name)!;
    const local = engine.get(probe.name)!;
    console.log(
      `| ${probe.name} | ${fmt(d1.rows)} | ${fmt(d1.rowsRead)} | ${fmt(d1.roundTripMs, 1)} | ${fmt(local.ms, 3)} | ${fmt(local.ms / floorEngine.ms, 0)}× | ${local.plan} |`,
    );
  }
  console.log(
    `\n(floor: primary-key lookup, ${fmt(floor.roundTripMs, 1)} ms round trip, ${fmt(floorEngine.ms, 3)} ms in the engine)\n`,
  );

  const worst = [...probes]
    .filter((probe) => !probe.name.startsWith('full scan'))
    .sort((a, b) => engine.get(b.name)!.ms - engine.get(a.name)!.ms)[0]!;
  summary.push(
    `| ${fmt(target)} | ${mib(sizeAfter)} | ${fmt(sizeAfter / target)} | ${fmt(tableBytes / target)} | ${fmt(indexBytes / target)} | ${fmt(ftsBytes / target)} | ${fmt((insertMs * 1000) / (target - growFrom), 0)} | ${worst.name}: ${fmt(engine.get(worst.name)!.ms, 2)} ms, ${fmt(throughD1.get(worst.name)!.rowsRead)} rows read |`,
  );
}

// The proposal in the capacity guide: owner as an indexed FTS column, so MATCH intersects the owner's documents
// instead of matching every owner's and filtering after. Built beside images_fts from its rows, at the last step.
{
  const { env, dispose } = await openLocalD1();
  await env.DB.exec(
    "create virtual table bench_fts_by_owner using fts5(image_id unindexed, owner, filename, title, alt, description, tags, tokenize = 'unicode61 remove_diacritics 2')",
  );
  for (let from = 0; from < inserted; from += 100_000) {
    await env.DB.prepare(
      `insert into bench_fts_by_owner select image_id, 'o' || replace(owner_id, '_', ''), filename, title, alt, description, tags
       from images_fts where rowid > ? and rowid <= ?`,
    )
      .bind(from, from + 100_000)
      .run();
  }
  const proposals = lastSearches.map((probe): Probe => {
    const at = probe.params.findIndex((param) => typeof param === 'string' && param.startsWith('"'));
    const owner = String(probe.params[at + 1]);
    const params = [...probe.params];
    params.splice(at, 2, `owner:o${owner.replace('_', '')} AND (${String(probe.params[at])})`);
    return {
      name: probe.name,
      sql: probe.sql.replace(
        'select image_id from images_fts where images_fts match ? and owner_id = ?',
        'select image_id from bench_fts_by_owner where bench_fts_by_owner match ?',
      ),
      params,
    };
  });
  const today = new Map<string, D1Result>();
  const proposed = new Map<string, D1Result>();
  for (const [index, probe] of lastSearches.entries()) {
    today.set(probe.name, await timeThroughD1(env.DB, probe));
    proposed.set(probe.name, await timeThroughD1(env.DB, proposals[index]!));
  }
  await dispose();
  const file = new DatabaseSync(databaseFile(), { readOnly: true });
  const ftsBytes = sizes(file)
    .filter((row) => row.name.startsWith('bench_fts_by_owner'))
    .reduce((sum, row) => sum + row.bytes, 0);
  console.log(`## Search with the owner as an indexed FTS column (proposal), ${fmt(inserted)} images\n`);
  console.log(
    '| search | rows read today | engine ms today | rows read, owner column | engine ms, owner column | same rows |',
  );
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const [index, probe] of lastSearches.entries()) {
    const before = timeInEngine(file, probe);
    const after = timeInEngine(file, proposals[index]!);
    const same =
      JSON.stringify(
        file
          .prepare(probe.sql)
          .all(...(probe.params as (string | number)[]))
          .map((row) => row.id),
      ) ===
      JSON.stringify(
        file
          .prepare(proposals[index]!.sql)
          .all(...(proposals[index]!.params as (string | number)[]))
          .map((row) => row.id),
      );
    console.log(
      `| ${probe.name} | ${fmt(today.get(probe.name)!.rowsRead)} | ${fmt(before.ms, 2)} | ${fmt(proposed.get(probe.name)!.rowsRead)} | ${fmt(after.ms, 2)} | ${same ? 'yes' : 'NO'} |`,
    );
  }
  file.close();
  console.log(
    `\nThe owner-indexed FTS table takes ${mib(ftsBytes)} (${fmt(ftsBytes / inserted)} bytes per image).\n`,
  );
}

// Renditions: the variants queue stores a row per enabled preset and eager format (ALLOWED_VARIANTS × webp/avif),
// so a fully rendered image has up to 16 image_variants rows. Measured on a sample, after the steps.
{
  const { env, dispose } = await openLocalD1();
  const presets = `presets(name, width) as (values ${VARIANT_PRESET_WIDTHS.map(([name, width]) => `('${name}', ${width})`).join(', ')})`;
  const formats = `formats(format) as (values ${EAGER_VARIANT_FORMATS.map((format) => `('${format}')`).join(', ')})`;
  for (let from = 0; from < VARIANT_SAMPLE; from += 1000) {
    await env.DB.prepare(
      `with ${presets}, ${formats},
       picked as (select i.rowid as n, i.id, i.owner_id, i.album_slug, i.created_at, p.name, p.width, f.format,
         lower(hex(randomblob(32))) as variant_key
         from images i, presets p, formats f where i.rowid > ${from} and i.rowid <= ${from + 1000})
       insert into image_variants (id, image_id, owner_id, name, variant_key, format, status, storage_key, bytes,
         width, height, engine, created_at, updated_at)
       select 'var_' || printf('%09x', n) || lower(hex(randomblob(6))), id, owner_id, name, variant_key, format, 'ready',
         owner_id || '/' || album_slug || '/' || id || '/' || variant_key || '.' || format,
         5000 + abs(random()) % 400000, width, width * 3 / 4, 'images-binding', created_at, created_at
       from picked`,
    ).run();
  }
  await dispose();
  const file = new DatabaseSync(databaseFile(), { readOnly: true });
  const objects = sizes(file).filter((row) => row.name.includes('image_variants'));
  file.close();
  const rows = VARIANT_SAMPLE * VARIANT_PRESET_WIDTHS.length * EAGER_VARIANT_FORMATS.length;
  const total = objects.reduce((sum, row) => sum + row.bytes, 0);
  console.log(`## Renditions (image_variants), ${fmt(rows)} rows for ${fmt(VARIANT_SAMPLE)} images\n`);
  console.log('| object | size | bytes per rendition row |');
  console.log('| --- | --- | --- |');
  for (const row of objects) console.log(`| ${row.name} | ${mib(row.bytes)} | ${fmt(row.bytes / rows)} |`);
  console.log(
    `| all | ${mib(total)} | ${fmt(total / rows)} (${fmt((total / rows) * VARIANT_PRESET_WIDTHS.length * EAGER_VARIANT_FORMATS.length)} per fully rendered image) |\n`,
  );
}

console.log('## Summary\n');
console.log(
  '| images | D1 size | bytes/image | table B/image | indexes B/image | FTS B/image | insert µs/image | slowest listing or search (engine) |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
for (const line of summary) console.log(line);
console.log(
  `\nBench time: ${fmt((performance.now() - benchStarted) / 1000, 0)} s. State: ${state} (removed).`,
);
