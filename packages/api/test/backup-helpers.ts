import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { AwsClient } from 'aws4fetch';
import { expect } from 'vitest';
import worker from '../src/index';
import type { Bindings } from '../src/lib/env';
import { authed, BASE, type TestUser } from './helpers';

/** The loopback S3 server's bucket every test writes under its own prefix. */
export const TEST_BUCKET = 'backups';

/** The real S3 server, reached with aws4fetch directly: the tests check what landed there independently. */
export const s3 = new AwsClient({
  accessKeyId: env.S3_TEST_ACCESS_KEY_ID,
  secretAccessKey: env.S3_TEST_SECRET_ACCESS_KEY,
  service: 's3',
  region: 'us-east-1',
  retries: 0,
});

export const objectUrl = (key: string, bucket = TEST_BUCKET) =>
  `${env.S3_TEST_ENDPOINT}/${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;

export async function s3Get(key: string): Promise<Response> {
  return s3.fetch(objectUrl(key));
}

export async function s3Bytes(key: string): Promise<Uint8Array | null> {
  const response = await s3Get(key);
  if (response.status === 404) {
    await response.body?.cancel();
    return null;
  }
  expect(response.status).toBe(200);
  return new Uint8Array(await response.arrayBuffer());
}

export async function s3Put(key: string, body: Uint8Array): Promise<void> {
  const response = await s3.fetch(objectUrl(key), { method: 'PUT', body });
  expect(response.status).toBe(200);
  await response.body?.cancel();
}

/** A prefix no other test uses, so each test sees only its own objects. */
export const freshPrefix = (name: string) => `t-${name}-${crypto.randomUUID().slice(0, 8)}/`;

export function configBody(overrides: Record<string, unknown> = {}) {
  return {
    endpoint: env.S3_TEST_ENDPOINT,
    region: 'us-east-1',
    bucket: TEST_BUCKET,
    prefix: freshPrefix('cfg'),
    access_key_id: env.S3_TEST_ACCESS_KEY_ID,
    secret_access_key: env.S3_TEST_SECRET_ACCESS_KEY,
    path_style: true,
    enabled: true,
    ...overrides,
  };
}

/** A request to the Worker with some variables changed (the SSRF switch, say); otherwise as `call`. */
export async function callWith(
  vars: Partial<Record<keyof Bindings | string, string>>,
  path: string,
  init: RequestInit = {},
) {
  const ctx = createExecutionContext();
  const response = await worker.fetch(new Request(BASE + path, init), { ...env, ...vars } as Bindings, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

export function jsonInit(user: TestUser, method: string, body?: unknown): RequestInit {
  return authed(user.key, {
    method,
    headers: { 'Content-Type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}
