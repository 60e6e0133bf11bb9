import { createDb, users, apiKeys } from '@pixelflare/database';
import { SELF } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { API_SCOPES, type ApiScope } from '@pixelflare/config';
import { newId } from '../src/lib/ids';
import { generateApiKey, hashApiKey } from '../src/services/keys/api-key-secret';

export const BASE = 'http://localhost:8787';

/** A request to the real Worker (every middleware, real bindings). */
export function call(path: string, init: RequestInit = {}): Promise<Response> {
  return SELF.fetch(new Request(BASE + path, init));
}

export function authed(key: string, init: RequestInit = {}): RequestInit {
  const headers = new Headers(init.headers);
  headers.set('Authorization', `Bearer ${key}`);
  return { ...init, headers };
}

export interface TestUser {
  id: string;
  slug: string;
  key: string;
  keyId: string;
}

/** Creates a user with one API key (all scopes unless given), stored hashed exactly as in production. */
export async function createUser(
  slug: string,
  options: { scopes?: ApiScope[]; isAdmin?: boolean } = {},
): Promise<TestUser> {
  const db = createDb(env.DB);
  const id = newId('usr');
  await db.insert(users).values({
    id,
    slug,
    email: `${slug}@example.test`,
    displayName: slug,
    isAdmin: options.isAdmin ?? false,
  });
  const { key, prefix } = generateApiKey();
  const keyId = newId('key');
  await db.insert(apiKeys).values({
    id: keyId,
    ownerId: id,
    name: 'test key',
    prefix,
    keyHash: await hashApiKey(env.API_HASH_SECRET, key),
    scopes: options.scopes ?? [...API_SCOPES],
  });
  return { id, slug, key, keyId };
}

export async function errorOf(
  response: Response,
): Promise<{ code: string; message: string; requestId?: string; issues?: { path: string }[] }> {
  const body = (await response.json()) as {
    error: { code: string; message: string; requestId?: string; issues?: { path: string }[] };
  };
  return body.error;
}
