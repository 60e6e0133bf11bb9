/**
 * A STAND-IN for the Cloudflare v4 API, for tests only: the few account endpoints that `pnpm provision` and
 * `pnpm run deploy` reach through wrangler (D1, R2, KV, Queues, Vectorize, Worker secrets), and the zone's
 * custom-hostnames endpoints (Cloudflare for SaaS) that the API's custom domains use, on loopback, with
 * Cloudflare's envelope `{ success, errors, messages, result }` and its paging (`page`/`per_page`, `result_info`).
 * Wrangler and the API are pointed at it with CLOUDFLARE_API_BASE_URL. It is not Cloudflare: it keeps its state in
 * memory, checks the account or zone id and the bearer token (any token, unless `apiToken` is given), and answers
 * anything else with Cloudflare's "no route" error.
 *
 * Tests that run in another process (the API's, inside workerd) drive it over HTTP through `/__stand-in/...`, which
 * is the stand-in's own control surface and no Cloudflare endpoint: move a custom hostname to a status, inject a
 * failure, read the requests it saw.
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
  /** Answer this failure this many times, then stop (absent: every time). */
  times?: number;
  /** Sent as `Retry-After` (seconds), as Cloudflare does with a 429. */
  retryAfter?: number;
}

/** A Cloudflare for SaaS custom hostname, as the custom-hostnames endpoints return it. */
export interface CustomHostnameRecord {
  id: string;
  hostname: string;
  status: string;
  ssl: {
    id: string;
    type: 'dv';
    method: string;
    status: string;
    validation_records: { txt_name: string; txt_value: string }[];
    validation_errors?: { message: string }[];
    settings: Record<string, unknown>;
    bundle_method: string;
    wildcard: boolean;
    certificate_authority: string;
  };
  ownership_verification: { type: 'txt'; name: string; value: string };
  ownership_verification_http: { http_url: string; http_body: string };
  verification_errors?: string[];
  created_at: string;
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

/** A metadata index of a Vectorize index (the property its queries may filter on). */
interface VectorizeMetadataIndex {
  propertyName: string;
  indexType: 'string' | 'number' | 'boolean';
}

export interface StandInState {
  d1: { uuid: string; name: string; version: string; created_at: string }[];
  r2: { name: string; creation_date: string; location: string }[];
  kv: { id: string; title: string; supports_url_encoding: boolean }[];
  queues: Queue[];
  vectorize: VectorizeIndex[];
  /** Vectorize index name to its metadata indexes (`metadata_index/create`, `/list`). */
  vectorizeMetadata: Map<string, VectorizeMetadataIndex[]>;
  /** Worker name to the names of its secrets; a Worker that is absent does not exist yet. */
  secrets: Map<string, string[]>;
  /** `worker/NAME` to the value `wrangler secret put` sent (what a test checks arrived, and was never printed). */
  secretValues: Map<string, string>;
  /** The zone's custom hostnames by id. */
  customHostnames: Map<string, CustomHostnameRecord>;
  /** The zone's health checks (Health Checks API), as created. */
  healthChecks: ({ id: string } & Record<string, unknown>)[];
}

export interface CloudflareApiStandIn {
  /** What to put in CLOUDFLARE_API_BASE_URL. */
  baseUrl: string;
  accountId: string;
  zoneId: string;
  state: StandInState;
  requests: RecordedRequest[];
  failures: InjectedFailure[];
  close(): Promise<void>;
}

const FIXED_TIME = '2026-01-01T00:00:00.000Z';

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
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

function fail(
  res: ServerResponse,
  status: number,
  code: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  send(res, status, { success: false, errors: [{ code, message }], messages: [], result: null }, headers);
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
  options: { zoneId?: string; apiToken?: string } = {},
): Promise<CloudflareApiStandIn> {
  const zoneId = options.zoneId ?? 'test-zone-id';
  const state: StandInState = {
    d1: [],
    r2: [],
    kv: [],
    queues: [],
    vectorize: [],
    vectorizeMetadata: new Map(),
    secrets: new Map(),
    secretValues: new Map(),
    customHostnames: new Map(),
    healthChecks: [],
  };
  const requests: RecordedRequest[] = [];
  const failures: InjectedFailure[] = [];
  const prefix = `/client/v4/accounts/${accountId}`;
  const zonePrefix = `/client/v4/zones/${zoneId}`;

  /** The first injected failure for a request, used up once when it has `times`. */
  function injectedFor(method: string, path: string): InjectedFailure | undefined {
    const index = failures.findIndex(
      (failure) => (failure.method === '*' || failure.method === method) && failure.path.test(path),
    );
    if (index < 0) return undefined;
    const failure = failures[index]!;
    if (failure.times !== undefined && --failure.times <= 0) failures.splice(index, 1);
    return failure;
  }

  function answerInjected(res: ServerResponse, failure: InjectedFailure): void {
    const headers: Record<string, string> =
      failure.retryAfter === undefined ? {} : { 'retry-after': String(failure.retryAfter) };
    fail(res, failure.status, failure.code, failure.message, headers);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const method = req.method ?? 'GET';
    if (url.pathname.startsWith('/__stand-in/')) return control(req, res, url, method);
    requests.push({ method, path: url.pathname });
    if (!/^Bearer \S+/.test(req.headers.authorization ?? '')) {
      return fail(res, 400, 6003, 'Invalid request headers');
    }
    if (options.apiToken !== undefined && req.headers.authorization !== `Bearer ${options.apiToken}`) {
      return fail(res, 403, 10000, 'Authentication error');
    }
    if (url.pathname === `${zonePrefix}/healthchecks`) {
      const injected = injectedFor(method, '/healthchecks');
      if (injected) return answerInjected(res, injected);
      if (method === 'GET') return paged(res, state.healthChecks, url.searchParams, 25);
      if (method === 'POST') {
        const body = (await readJson(req)) as Record<string, unknown>;
        if (typeof body.name !== 'string' || typeof body.address !== 'string')
          return fail(res, 400, 1002, 'name and address are required');
        const check = { id: randomUUID().replaceAll('-', ''), ...body, status: 'unknown' };
        state.healthChecks.push(check);
        return ok(res, check);
      }
    }
    if (url.pathname.startsWith(`${zonePrefix}/custom_hostnames`)) {
      const zonePath = url.pathname.slice('/client/v4'.length);
      const injected = injectedFor(method, zonePath);
      if (injected) return answerInjected(res, injected);
      return customHostnames(req, res, url.pathname.slice(zonePrefix.length), method);
    }
    if (!url.pathname.startsWith(prefix)) return fail(res, 404, 7003, 'Could not route to ' + url.pathname);
    const path = url.pathname.slice(prefix.length);
    const injected = injectedFor(method, path);
    if (injected) return answerInjected(res, injected);

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
    const metadataIndex = /^\/vectorize\/v2\/indexes\/([^/]+)\/metadata_index\/(list|create)$/.exec(path);
    if (metadataIndex) {
      const name = decodeURIComponent(metadataIndex[1]!);
      if (!state.vectorize.some((index) => index.name === name)) {
        return fail(res, 404, 3000, 'vectorize.index.not_found');
      }
      const present = state.vectorizeMetadata.get(name) ?? [];
      if (metadataIndex[2] === 'list' && method === 'GET') return ok(res, { metadataIndexes: present });
      if (metadataIndex[2] === 'create' && method === 'POST') {
        const body = (await readJson(req)) as Partial<VectorizeMetadataIndex>;
        if (!body.propertyName || !['string', 'number', 'boolean'].includes(body.indexType ?? '')) {
          return fail(res, 400, 3001, 'vectorize.metadata_index.invalid');
        }
        if (present.some((entry) => entry.propertyName === body.propertyName)) {
          return fail(res, 409, 3002, 'vectorize.metadata_index.duplicate_property');
        }
        state.vectorizeMetadata.set(name, [
          ...present,
          { propertyName: body.propertyName, indexType: body.indexType! },
        ]);
        return ok(res, { mutationId: randomUUID() });
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
    if (secrets && method === 'PUT') {
      const worker = decodeURIComponent(secrets[1]!);
      const names = state.secrets.get(worker);
      if (!names) return fail(res, 404, 10007, 'This Worker does not exist on your account.');
      const body = (await readJson(req)) as { name?: string; text?: string; type?: string };
      if (!body.name || body.type !== 'secret_text' || typeof body.text !== 'string')
        return fail(res, 400, 10021, 'A secret needs a name, type secret_text and its text');
      if (!names.includes(body.name)) names.push(body.name);
      state.secretValues.set(`${worker}/${body.name}`, body.text);
      return ok(res, { name: body.name, type: 'secret_text' });
    }
    return fail(
      res,
      404,
      7003,
      `Could not route to ${url.pathname}, perhaps your object identifier is invalid?`,
    );
  }

  /** `/custom_hostnames[/{id}]` of the zone, as Cloudflare for SaaS answers them. */
  async function customHostnames(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    method: string,
  ): Promise<void> {
    if (path === '/custom_hostnames' && method === 'POST') {
      const body = (await readJson(req)) as { hostname?: unknown; ssl?: { method?: string; type?: string } };
      if (typeof body.hostname !== 'string' || body.hostname === '')
        return fail(res, 400, 1411, 'Custom hostname is required.');
      if (!/^[a-z0-9.-]+$/.test(body.hostname) || !body.hostname.includes('.'))
        return fail(res, 400, 1409, 'The custom hostname you entered is invalid.');
      if (body.ssl?.type !== 'dv') return fail(res, 400, 1405, 'SSL type must be dv.');
      if ([...state.customHostnames.values()].some((record) => record.hostname === body.hostname))
        return fail(res, 409, 1406, 'Duplicate custom hostname found.');
      const record: CustomHostnameRecord = {
        id: randomUUID(),
        hostname: body.hostname,
        status: 'pending',
        ssl: {
          id: randomUUID(),
          type: 'dv',
          method: body.ssl.method ?? 'http',
          status: 'pending_validation',
          validation_records: [
            { txt_name: `_acme-challenge.${body.hostname}`, txt_value: randomUUID().replaceAll('-', '') },
          ],
          settings: { min_tls_version: '1.2' },
          bundle_method: 'ubiquitous',
          wildcard: false,
          certificate_authority: 'google',
        },
        ownership_verification: {
          type: 'txt',
          name: `_cf-custom-hostname.${body.hostname}`,
          value: randomUUID(),
        },
        ownership_verification_http: {
          http_url: `http://${body.hostname}/.well-known/cf-custom-hostname-challenge/${randomUUID()}`,
          http_body: randomUUID(),
        },
        verification_errors: ['custom hostname does not CNAME to this zone.'],
        created_at: FIXED_TIME,
      };
      state.customHostnames.set(record.id, record);
      return ok(res, record);
    }
    if (path === '/custom_hostnames' && method === 'GET') {
      const hostname = new URL(req.url ?? '/', 'http://stand-in').searchParams.get('hostname');
      const all = [...state.customHostnames.values()];
      return paged(
        res,
        hostname ? all.filter((record) => record.hostname === hostname) : all,
        new URL(req.url ?? '/', 'http://stand-in').searchParams,
        20,
      );
    }
    const one = /^\/custom_hostnames\/([^/]+)$/.exec(path);
    if (one) {
      const record = state.customHostnames.get(decodeURIComponent(one[1]!));
      if (!record) return fail(res, 404, 1436, 'The custom hostname was not found.');
      if (method === 'GET') return ok(res, record);
      if (method === 'DELETE') {
        state.customHostnames.delete(record.id);
        return ok(res, { id: record.id });
      }
    }
    return fail(res, 404, 7003, `Could not route to ${path}, perhaps your object identifier is invalid?`);
  }

  /** The stand-in's own control surface for tests in another process (not a Cloudflare endpoint). */
  async function control(req: IncomingMessage, res: ServerResponse, url: URL, method: string): Promise<void> {
    const done = (body: unknown = {}) => send(res, 200, body);
    if (url.pathname === '/__stand-in/requests' && method === 'GET') return done(requests);
    if (url.pathname === '/__stand-in/failures' && method === 'POST') {
      const body = (await readJson(req)) as Omit<InjectedFailure, 'path'> & { path: string };
      failures.push({ ...body, path: new RegExp(body.path) });
      return done();
    }
    if (url.pathname === '/__stand-in/failures' && method === 'DELETE') {
      failures.length = 0;
      return done();
    }
    const hostname = /^\/__stand-in\/custom_hostnames\/([^/]+)$/.exec(url.pathname);
    if (hostname) {
      const record = [...state.customHostnames.values()].find(
        (candidate) => candidate.hostname === decodeURIComponent(hostname[1]!),
      );
      if (!record) return send(res, 404, { error: 'no such custom hostname' });
      if (method === 'GET') return done(record);
      if (method === 'DELETE') {
        state.customHostnames.delete(record.id);
        return done();
      }
      if (method === 'PATCH') {
        const change = (await readJson(req)) as {
          status?: string;
          ssl_status?: string;
          verification_errors?: string[];
          validation_errors?: { message: string }[];
        };
        if (change.status !== undefined) record.status = change.status;
        if (change.ssl_status !== undefined) record.ssl.status = change.ssl_status;
        if (change.verification_errors !== undefined) record.verification_errors = change.verification_errors;
        if (change.validation_errors !== undefined) record.ssl.validation_errors = change.validation_errors;
        return done(record);
      }
    }
    return send(res, 404, { error: `no stand-in control at ${method} ${url.pathname}` });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => fail(res, 500, 10000, String(error)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/client/v4`,
    accountId,
    zoneId,
    state,
    requests,
    failures,
    close: () =>
      new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}
