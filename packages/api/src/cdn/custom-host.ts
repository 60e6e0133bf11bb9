import type { Context } from 'hono';
import type { AppEnv } from '../lib/types';
import { ownerOfCustomHost, type CustomHostOwner } from '../services/domains/host-cache';
import { isCustomHost } from './cdn-path';
import { cdnNotFound } from './responses';

/**
 * The owner a custom-host request is served for, `null` on the product's own hosts. A host that is not an active
 * custom domain is a 404, as an image that does not exist is.
 */
export async function customHostSite(c: Context<AppEnv>): Promise<CustomHostOwner | null> {
  const hostname = new URL(c.req.url).hostname;
  // The raw variables, as cdnAwarePath read them to route the request here.
  if (!isCustomHost(hostname, c.env as unknown as Parameters<typeof isCustomHost>[1])) return null;
  const owner = await ownerOfCustomHost(c.env.KV, c.get('db'), hostname);
  if (!owner) throw cdnNotFound();
  return owner;
}
