import type { Context } from 'hono';

/** The caller's IP as Cloudflare reports it; `unknown` only in local tools that do not set it. */
export function clientIp(c: Context): string {
  return c.req.header('CF-Connecting-IP') ?? 'unknown';
}
