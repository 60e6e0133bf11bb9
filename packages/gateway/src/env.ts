// zod/mini: the same schemas, a fraction of the bundle (the gateway is on every request's path, cold starts too).
import * as z from 'zod/mini';

/** Bindings declared in wrangler.toml: the two Workers behind the gateway. */
export interface GatewayBindings {
  API: Fetcher;
  DASHBOARD: Fetcher;
  PUBLIC_HOSTNAME?: string;
  CDN_HOSTNAME?: string;
  ENABLE_CUSTOM_DOMAINS?: string;
}

/** A bare lowercase hostname: no scheme, port or path (the gateway compares it with `URL.hostname`). */
const hostname = z
  .string()
  .check(
    z.regex(
      /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/,
      'must be a bare lowercase hostname (no scheme, port or path), e.g. images.example.com',
    ),
  );

export const GatewayVarsSchema = z.object({
  PUBLIC_HOSTNAME: hostname,
  CDN_HOSTNAME: z.optional(hostname),
  /** `true` sends every other host to the API as a candidate custom domain (the API's ENABLE_CUSTOM_DOMAINS). */
  ENABLE_CUSTOM_DOMAINS: z.optional(z.enum(['true', 'false'])),
});
export type GatewayConfig = z.infer<typeof GatewayVarsSchema>;

export class GatewayEnvError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid gateway environment: ${problems.join('; ')}`);
    this.name = 'GatewayEnvError';
  }
}

const REQUIRED_BINDINGS = ['API', 'DASHBOARD'] as const;
const validated = new WeakMap<object, GatewayConfig>();

/** Validates vars and bindings once per env object; a problem names the variable. */
export function loadGatewayConfig(env: GatewayBindings): GatewayConfig {
  const cached = validated.get(env);
  if (cached) return cached;
  const raw = env as unknown as Record<string, unknown>;
  const problems: string[] = REQUIRED_BINDINGS.filter((name) => !raw[name]).map(
    (name) => `binding ${name} is missing`,
  );
  // An empty CDN_HOSTNAME means "no dedicated CDN host", as leaving it out does.
  const parsed = GatewayVarsSchema.safeParse({
    PUBLIC_HOSTNAME: raw.PUBLIC_HOSTNAME,
    CDN_HOSTNAME: raw.CDN_HOSTNAME === '' ? undefined : raw.CDN_HOSTNAME,
    ENABLE_CUSTOM_DOMAINS: raw.ENABLE_CUSTOM_DOMAINS === '' ? undefined : raw.ENABLE_CUSTOM_DOMAINS,
  });
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const name = issue.path.join('.');
      problems.push(raw[name] === undefined ? `${name} is missing` : `${name} ${issue.message}`);
    }
  }
  if (problems.length > 0 || !parsed.success) throw new GatewayEnvError(problems);
  validated.set(env, parsed.data);
  return parsed.data;
}
