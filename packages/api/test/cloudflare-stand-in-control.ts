import { inject } from 'vitest';

/**
 * Drives the Cloudflare API stand-in (test/cloudflare-stand-in.ts) from tests inside workerd, through its own
 * `/__stand-in/...` control surface: what Cloudflare would do on its side (a certificate issued, a name blocked).
 */
export interface HostnameChange {
  status?: string;
  ssl_status?: string;
  verification_errors?: readonly string[];
  validation_errors?: readonly { message: string }[];
}

const origin = () => inject('cloudflareStandInOrigin');

export async function setStandInHostname(hostname: string, change: HostnameChange): Promise<void> {
  const response = await fetch(`${origin()}/__stand-in/custom_hostnames/${encodeURIComponent(hostname)}`, {
    method: 'PATCH',
    body: JSON.stringify(change),
  });
  if (!response.ok) throw new Error(`stand-in: ${response.status} ${await response.text()}`);
}

export async function standInHostname(hostname: string): Promise<Record<string, unknown> | null> {
  const response = await fetch(`${origin()}/__stand-in/custom_hostnames/${encodeURIComponent(hostname)}`);
  if (response.status === 404) return null;
  return (await response.json()) as Record<string, unknown>;
}

export async function dropStandInHostname(hostname: string): Promise<void> {
  await fetch(`${origin()}/__stand-in/custom_hostnames/${encodeURIComponent(hostname)}`, {
    method: 'DELETE',
  });
}

/** The next `times` requests matching `method` and `path` (a regex source, e.g. `/custom_hostnames$`) fail so. */
export async function injectStandInFailure(failure: {
  method: string;
  path: string;
  status: number;
  code: number;
  message: string;
  times?: number;
  retryAfter?: number;
}): Promise<void> {
  await fetch(`${origin()}/__stand-in/failures`, { method: 'POST', body: JSON.stringify(failure) });
}

export async function clearStandInFailures(): Promise<void> {
  await fetch(`${origin()}/__stand-in/failures`, { method: 'DELETE' });
}

export async function standInRequests(): Promise<{ method: string; path: string }[]> {
  return (await (await fetch(`${origin()}/__stand-in/requests`)).json()) as {
    method: string;
    path: string;
  }[];
}
