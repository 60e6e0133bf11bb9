import type { TestProject } from 'vitest/node';
import { startCloudflareApiStandIn } from '../../deploy/test/cloudflare-api-stand-in';

declare module 'vitest' {
  interface ProvidedContext {
    /** CLOUDFLARE_API_BASE_URL for the custom-domain tests: the Cloudflare API stand-in on loopback. */
    cloudflareApiBase: string;
    /** Its origin, for `/__stand-in/...` (the stand-in's control surface, test/cloudflare-stand-in-control.ts). */
    cloudflareStandInOrigin: string;
  }
}

/** The token the stand-in accepts on its zone endpoints; any other is Cloudflare's 403 "Authentication error". */
export const CLOUDFLARE_TEST_TOKEN = 'cf-stand-in-token-ssl-and-certificates-edit';
export const CLOUDFLARE_TEST_ZONE = 'stand-in-zone-0123456789abcdef';

/**
 * Global setup: starts the one Cloudflare API STAND-IN (packages/deploy/test/cloudflare-api-stand-in.ts, shared
 * with the deploy tests) in Node, outside workerd, for the custom-hostnames endpoints. It is not Cloudflare.
 */
export default async function setup(project: TestProject) {
  const standIn = await startCloudflareApiStandIn('stand-in-account', {
    zoneId: CLOUDFLARE_TEST_ZONE,
    apiToken: CLOUDFLARE_TEST_TOKEN,
  });
  project.provide('cloudflareApiBase', standIn.baseUrl);
  project.provide('cloudflareStandInOrigin', new URL(standIn.baseUrl).origin);
  return () => standIn.close();
}
