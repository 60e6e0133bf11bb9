/**
 * A STAND-IN for the Cloudflare v4 API, for tests only: the few account endpoints that `pnpm provision` and
 * `pnpm run deploy` reach through wrangler (D1, R2, KV, Queues, Vectorize, Worker secrets), on loopback, with
 * Cloudflare's envelope `{ success, errors, messages, result }` and its paging (`page`/`per_page`, `result_info`).
 * Wrangler is pointed at it with CLOUDFLARE_API_BASE_URL. It is not Cloudflare: it keeps its state in memory, checks
 * only the account id and that a bearer token is present, and answers anything else with Cloudflare's "no route" error.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
}

export interface InjectedFailure {
  /** An HTTP method, or '*' for any. */
  method: string;
  /** Matched against the path without the `/client/v4/accounts/<id>` prefix, e.g. /queues. */
  path: RegExp;
  code: number;
  message: string;
  status: number;
}

interface Queue {
  queue_id: string;
  queue_name: string;
  created_on: string;
  modified_on: string;
  producers_total_count: number;
  consumers_total_count: number;
  producers: unknown[];
  consumers: unknown[];
  settings: { delivery_delay: number; message_retention_period: number };
}

interface VectorizeIndex {
  name: string;
  description: string;
  config: { dimensions: number; metric: string };
  created_on: string;
  modified_on: string;
}

export interface StandInState {
  d1: { uuid: string; name: string; version: string; created_at: string }[];
  r2: { name: string; creation_date: string; location: string }[];
  kv: { id: string; title: string; supports_url_encoding: boolean }[];
  queues: Queue[];
  vectorize: VectorizeIndex[];
  /** Worker name to the names of its secrets; a Worker that is absent does not exist yet. */
  secrets: Map<string, string[]>;
}

export interface CloudflareApiStandIn {
  /** What to put in CLOUDFLARE_API_BASE_URL. */
  baseUrl: string;
  accountId: string;
  state: StandInState;
  requests: RecordedRequest[];
  failures: InjectedFailure[];
  close(): Promise<void>;
}

const FIXED_TIME = '2026-01-01T00:00:00.000Z';

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function ok(res: ServerResponse, result: unknown, resultInfo?: Record<string, number>): void {
  send(res, 200, {
    success: true,
    errors: [],
    messages: [],
    result,
    ...(resultInfo ? { result_info: resultInfo } : {}),
  });
}

function fail(res: ServerResponse, status: number, code: number, message: string): void {
  send(res, status, { success: false, errors: [{ code, message }], messages: [], result: null });
}

/** Cloudflare's page/per_page paging, with the result_info it sends. */
function paged<T>(res: ServerResponse, items: T[], query: URLSearchParams, defaultPerPage: number): void {
  const perPage = Number(query.get('per_page') ?? defaultPerPage);
  const page = Number(query.get('page') ?? 1);
  const slice = items.slice((page - 1) * perPage, page * perPage);
  ok(res, slice, { page, per_page: perPage, count: slice.length, total_count: items.length });
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

export async function startCloudflareApiStandIn(
  accountId = 'test-account-id',
): Promise<CloudflareApiStandIn> {
  const state: StandInState = { d1: [], r2: [], kv: [], queues: [], vectorize: [], secrets: new Map() };
  const requests: RecordedRequest[] = [];
  const failures: InjectedFailure[] = [];
  const prefix = `/client/v4/accounts/${accountId}`;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const method = req.method ?? 'GET';
    requests.push({ method, path: url.pathname });
    if (!/^Bearer \S+/.test(req.headers.authorization ?? '')) {
      return fail(res, 400, 6003, 'Invalid request headers');
    }
    if (!url.pathname.startsWith(prefix)) return fail(res, 404, 7003, 'Could not route to ' + url.pathname);
    const path = url.pathname.slice(prefix.length);
    const injected = failures.find(
      (failure) => (failure.method === '*' || failure.method === method) && failure.path.test(path),
    );
    if (injected) return fail(res, injected.status, injected.code, injected.message);

    if (path === '/d1/database') {
      if (method === 'GET') return paged(res, state.d1, url.searchParams, 10);
      if (method === 'POST') {
        const { name } = (await readJson(req)) as { name: string };
        if (state.d1.some((db) => db.name === name))
          return fail(res, 400, 7502, 'A database with that name already exists');
        const database = { uuid: randomUUID(), name, version: 'production', created_at: FIXED_TIME };
        state.d1.push(database);
        return ok(res, { ...database, created_in_region: 'WEUR' });
      }
    }
    if (path === '/r2/buckets') {
      if (method === 'GET') return ok(res, { buckets: state.r2 });
      if (method === 'POST') {
        const { name } = (await readJson(req)) as { name: string };
        if (state.r2.some((bucket) => bucket.name === name)) {
          return fail(res, 409, 10004, 'The bucket you tried to create already exists, and you own it.');
        }
        const bucket = { name, creation_date: FIXED_TIME, location: 'WEUR' };
        state.r2.push(bucket);
        return ok(res, { ...bucket, storage_class: 'Standard' });
      }
    }
    if (path === '/storage/kv/namespaces') {
      if (method === 'GET') return paged(res, state.kv, url.searchParams, 20);
      if (method === 'POST') {
        const { title } = (await readJson(req)) as { title: string };
        if (state.kv.some((namespace) => namespace.title === title)) {
          return fail(res, 400, 10014, 'A namespace with this account ID and title already exists.');
        }
        const namespace = { id: randomUUID().replaceAll('-', ''), title, supports_url_encoding: true };
        state.kv.push(namespace);
        return ok(res, namespace);
      }
    }
    if (path === '/queues') {
      if (method === 'GET') {
        const name = url.searchParams.get('name');
        const matching = name ? state.queues.filter((queue) => queue.queue_name === name) : state.queues;
        return paged(res, matching, url.searchParams, 100);
      }
      if (method === 'POST') {
        const { queue_name: name } = (await readJson(req)) as { queue_name: string };
        if (state.queues.some((queue) => queue.queue_name === name)) {
          return fail(res, 409, 11009, 'A queue with this name already exists');
        }
        const queue: Queue = {
          queue_id: randomUUID().replaceAll('-', ''),
          queue_name: name,
          created_on: FIXED_TIME,
          modified_on: FIXED_TIME,
          producers_total_count: 0,
          consumers_total_count: 0,
          producers: [],
          consumers: [],
          settings: { delivery_delay: 0, message_retention_period: 345600 },
        };
        state.queues.push(queue);
        return ok(res, queue);
      }
    }
    if (path === '/vectorize/v2/indexes') {
      if (method === 'GET') return ok(res, state.vectorize);
      if (method === 'POST') {
        const body = (await readJson(req)) as {
          name: string;
          description?: string;
          config: VectorizeIndex['config'];
        };
        if (state.vectorize.some((index) => index.name === body.name)) {
          return fail(res, 409, 3002, 'vectorize.index.duplicate_name');
        }
        const index = {
          name: body.name,
          description: body.description ?? '',
          config: body.config,
          created_on: FIXED_TIME,
          modified_on: FIXED_TIME,
        };
        state.vectorize.push(index);
        return ok(res, index);
      }
    }
    const secrets = /^\/workers\/scripts\/([^/]+)\/secrets$/.exec(path);
    if (secrets && method === 'GET') {
      const names = state.secrets.get(decodeURIComponent(secrets[1]!));
      if (!names) return fail(res, 404, 10007, 'This Worker does not exist on your account.');
      return ok(
        res,
        names.map((name) => ({ name, type: 'secret_text' })),
      );
    }
    return fail(
      res,
      404,
      7003,
      `Could not route to ${url.pathname}, perhaps your object identifier is invalid?`,
    );
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => fail(res, 500, 10000, String(error)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/client/v4`,
    accountId,
    state,
    requests,
    failures,
    close: () =>
      new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}
