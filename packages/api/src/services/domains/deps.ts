import { createDb } from '@pixelflare/database';
import type { Bindings, EnvVars } from '../../lib/env';
import { AppError } from '../../lib/errors';
import type { Logger } from '../../lib/logger';
import { createCustomHostnamesClient } from '../cloudflare/custom-hostnames';
import type { DomainDeps } from './domains';

/** Custom domains are off unless ENABLE_CUSTOM_DOMAINS=true: their routes answer 404 FEATURE_DISABLED. */
export function requireCustomDomains(config: EnvVars): void {
  if (!config.ENABLE_CUSTOM_DOMAINS)
    throw new AppError(
      404,
      'FEATURE_DISABLED',
      'Custom domains are not enabled on this server (ENABLE_CUSTOM_DOMAINS)',
    );
}

/** The product's own host names: the API's, the dashboard's, the CDN's and the fallback origin's. */
export function ownHostsOf(config: EnvVars): string[] {
  const hosts = [
    new URL(config.PUBLIC_API_URL).hostname,
    config.PUBLIC_DASHBOARD_URL ? new URL(config.PUBLIC_DASHBOARD_URL).hostname : undefined,
    config.CDN_HOSTNAME,
    config.CUSTOM_DOMAIN_FALLBACK_CNAME,
  ];
  return [
    ...new Set(hosts.filter((host): host is string => Boolean(host)).map((host) => host.toLowerCase())),
  ];
}

/** Everything the domain services need, from the Worker's bindings and validated config (requests and jobs alike). */
export function domainDepsOf(env: Bindings, config: EnvVars, logger?: Logger): DomainDeps {
  requireCustomDomains(config);
  // loadEnv refuses ENABLE_CUSTOM_DOMAINS=true without these three.
  return {
    db: createDb(env.DB),
    kv: env.KV,
    queue: env.DOMAINS_QUEUE,
    cloudflare: createCustomHostnamesClient({
      baseUrl: config.CLOUDFLARE_API_BASE_URL,
      zoneId: config.CLOUDFLARE_ZONE_ID!,
      apiToken: config.CLOUDFLARE_API_TOKEN!,
    }),
    fallbackCname: config.CUSTOM_DOMAIN_FALLBACK_CNAME!,
    ownHosts: ownHostsOf(config),
    logger,
  };
}
