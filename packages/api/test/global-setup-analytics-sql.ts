import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DatabaseSync } from 'node:sqlite';

declare module 'vitest' {
  interface ProvidedContext {
    /** The SQL API stand-in's base, in place of https://api.cloudflare.com/client/v4. */
    analyticsSqlStandIn: string;
  }
}

export const SQL_API_TEST_ACCOUNT = '0123456789abcdef0123456789abcdef';
export const SQL_API_TEST_TOKEN = 'standin-analytics-read-token';

/** A point as a test files it: what writeDataPoint was given, when, and the sampling it stands for. */
export interface StandInPoint {
  dataset: string;
  /** `YYYY-MM-DD HH:MM:SS`, UTC. */
  timestamp: string;
  indexes?: string[];
  blobs?: (string | null)[];
  doubles?: number[];
  sampleInterval?: number;
}

const BLOBS = 20;
const DOUBLES = 20;
const COLUMNS = [
  'dataset TEXT',
  'timestamp TEXT',
  '_sample_interval INTEGER',
  'index1 TEXT',
  ...Array.from({ length: BLOBS }, (_, i) => `blob${i + 1} TEXT`),
  ...Array.from({ length: DOUBLES }, (_, i) => `double${i + 1} REAL`),
];

async function bodyOf(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The ClickHouse subset Pixelflare's rollup sends, rewritten for SQLite: `toDateTime('…')` literals,
 * `if(`, `count()`, and a trailing FORMAT clause. Column names are checked against the documented table
 * (`blob1`–`blob20`, `double1`–`double20`, `index1`), and only one table may be read, as in the real API.
 */
function translate(sql: string, datasets: Set<string>): { sql: string; format: string } | { error: string } {
  let text = sql.trim().replace(/;$/, '');
  let format = 'JSON';
  const formatMatch = /\s+FORMAT\s+(\w+)\s*$/i.exec(text);
  if (formatMatch) {
    format = formatMatch[1]!;
    text = text.slice(0, formatMatch.index);
  }
  if (!['JSON', 'JSONEachRow'].includes(format)) return { error: `unsupported format ${format}` };
  if (!/^\s*SELECT\b/i.test(text)) return { error: 'only SELECT is supported by this stand-in' };
  if (/\b(JOIN|UNION)\b/i.test(text)) return { error: 'JOIN and UNION are not supported' };
  for (const match of text.matchAll(/\b(blob|double|index)(\d+)\b/gi)) {
    const limit =
      match[1]!.toLowerCase() === 'index' ? 1 : match[1]!.toLowerCase() === 'blob' ? BLOBS : DOUBLES;
    const n = Number(match[2]);
    if (n < 1 || n > limit) return { error: `Unknown column ${match[0]}` };
  }
  const from = /\bFROM\s+([A-Za-z_][A-Za-z0-9_]*)/i.exec(text);
  if (!from || !datasets.has(from[1]!)) return { error: `unknown table ${from?.[1] ?? ''}` };
  text = text
    .replace(/\bFROM\s+[A-Za-z_][A-Za-z0-9_]*/i, `FROM points_${from[1]!}`)
    .replace(
      /toUnixTimestamp\(\s*toStartOfInterval\(\s*timestamp\s*,\s*INTERVAL\s+'1'\s+HOUR\s*\)\s*\)/gi,
      "CAST(strftime('%s', substr(timestamp, 1, 13) || ':00:00') AS INTEGER)",
    )
    .replace(/toDateTime\(\s*'([^']*)'\s*\)/gi, "'$1'")
    .replace(/\bif\(/gi, 'iif(')
    .replace(/\bcount\(\s*\)/gi, 'count(*)');
  return { sql: text, format };
}

const typeOf = (value: unknown) =>
  typeof value === 'bigint' || (typeof value === 'number' && Number.isInteger(value))
    ? 'UInt64'
    : typeof value === 'number'
      ? 'Float64'
      : 'String';

/** ClickHouse's JSON output quotes 64-bit integers (output_format_json_quote_64bit_integers). */
const jsonValue = (value: unknown) => (typeOf(value) === 'UInt64' ? String(value) : value);

/**
 * A stand-in for the Workers Analytics Engine SQL API on loopback, faithful to its documented contract:
 * `POST /client/v4/accounts/{account_id}/analytics_engine/sql` with the query as the raw body and
 * `Authorization: Bearer <token>`; `FORMAT JSON` (the default) answers `{ meta: [{name,type}], data: [...],
 * rows, rows_before_limit_at_least }`, 64-bit integers quoted; a bad token is a 401 with Cloudflare's error
 * envelope; a query error is a 422 with the message as text. Each dataset is a table of `dataset, timestamp,
 * _sample_interval, index1, blob1..20, double1..20`. Tests file points with `POST /__test/points` and clear
 * them with `DELETE /__test/points`; `GET /__test/queries` lists the SQL received.
 */
export default async function setup(project: {
  provide: (key: 'analyticsSqlStandIn', value: string) => void;
}) {
  const db = new DatabaseSync(':memory:');
  const datasets = new Set<string>();
  const queries: string[] = [];
  const ensureDataset = (name: string) => {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`bad dataset ${name}`);
    if (datasets.has(name)) return;
    db.exec(`CREATE TABLE points_${name} (${COLUMNS.join(', ')})`);
    datasets.add(name);
  };
  const server = createServer((req, res) => {
    const json = (status: number, body: unknown) =>
      void res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
    void (async () => {
      if (req.url === '/__test/points' && req.method === 'POST') {
        const points = JSON.parse(await bodyOf(req)) as StandInPoint[];
        for (const point of points) {
          ensureDataset(point.dataset);
          const names = ['dataset', 'timestamp', '_sample_interval', 'index1'];
          const values: (string | number | null)[] = [
            point.dataset,
            point.timestamp,
            point.sampleInterval ?? 1,
            point.indexes?.[0] ?? '',
          ];
          (point.blobs ?? []).forEach((blob, i) => (names.push(`blob${i + 1}`), values.push(blob ?? '')));
          (point.doubles ?? []).forEach((double, i) => (names.push(`double${i + 1}`), values.push(double)));
          db.prepare(
            `INSERT INTO points_${point.dataset} (${names.join(', ')}) VALUES (${names.map(() => '?').join(', ')})`,
          ).run(...values);
        }
        return json(200, { stored: points.length });
      }
      if (req.url === '/__test/points' && req.method === 'DELETE') {
        for (const name of datasets) db.exec(`DELETE FROM points_${name}`);
        queries.length = 0;
        return json(200, {});
      }
      if (req.url === '/__test/queries') return json(200, { queries });
      const route = /^\/client\/v4\/accounts\/([^/]+)\/analytics_engine\/sql$/.exec(req.url ?? '');
      if (!route)
        return json(404, { success: false, errors: [{ code: 7003, message: 'No route for that URI' }] });
      if (req.method !== 'POST')
        return json(405, { success: false, errors: [{ code: 10405, message: 'Method not allowed' }] });
      if (req.headers.authorization !== `Bearer ${SQL_API_TEST_TOKEN}` || route[1] !== SQL_API_TEST_ACCOUNT)
        return json(401, { success: false, errors: [{ code: 10000, message: 'Authentication error' }] });
      const sql = await bodyOf(req);
      queries.push(sql);
      const translated = translate(sql, datasets);
      if ('error' in translated) return void res.writeHead(422).end(translated.error);
      let rows: Record<string, unknown>[];
      let columns: string[];
      try {
        const statement = db.prepare(translated.sql);
        statement.setReadBigInts(false);
        rows = statement.all() as Record<string, unknown>[];
        columns = statement.columns().map((column) => column.name);
      } catch (error) {
        return void res.writeHead(422).end(`query error: ${String(error)}`);
      }
      const data = rows.map((row) =>
        Object.fromEntries(Object.entries(row).map(([k, v]) => [k, jsonValue(v)])),
      );
      if (translated.format === 'JSONEachRow') {
        return void res
          .writeHead(200, { 'Content-Type': 'text/plain' })
          .end(data.map((row) => JSON.stringify(row)).join('\n'));
      }
      const meta = columns.map((name) => ({ name, type: rows[0] ? typeOf(rows[0][name]) : 'String' }));
      return json(200, { meta, data, rows: data.length, rows_before_limit_at_least: data.length });
    })().catch((error: unknown) =>
      json(500, { success: false, errors: [{ code: 10001, message: String(error) }] }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  project.provide(
    'analyticsSqlStandIn',
    `http://127.0.0.1:${(server.address() as AddressInfo).port}/client/v4`,
  );
  return () => new Promise<void>((resolve) => server.close(() => resolve()));
}
