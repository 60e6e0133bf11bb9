import {
  AI_ENGINES,
  AI_LOCAL_DEFAULT_URL,
  ACCESS_SETTINGS,
  ALL_OR_NOTHING_SETTINGS,
  STRIPE_SETTINGS,
  ANALYTICS_SINKS,
  CLOUDFLARE_API_BASE,
  REQUIRED_VARIANTS,
  TURNSTILE_SCRIPT_URL,
  TURNSTILE_SITEVERIFY_URL,
  isVariantName,
} from '@pixelflare/config';
import { parseRootKey } from '@pixelflare/shared';
import { z } from 'zod';
import type { DomainsQueueMessage, VariantsQueueMessage, WebhookJob } from '../jobs/messages';

/** Bindings declared in wrangler.toml. Vectorize and Workers AI are optional: they exist only when deployed. */
export interface Bindings {
  DB: D1Database;
  IMAGES_BUCKET: R2Bucket;
  KV: KVNamespace;
  IMAGES?: ImagesBinding;
  ANALYTICS?: AnalyticsEngineDataset;
  VARIANTS_QUEUE: Queue<VariantsQueueMessage>;
  WEBHOOKS_QUEUE: Queue<WebhookJob>;
  BACKUPS_QUEUE: Queue;
  DOMAINS_QUEUE: Queue<DomainsQueueMessage>;
  UPLOAD_SESSIONS: DurableObjectNamespace;
  VECTORIZE?: Vectorize;
  AI?: Ai;
}

const flag = z.enum(['true', 'false']).transform((value) => value === 'true');
const csv = z.string().transform((value) =>
  value
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean),
);

/** Variables and secrets. Secrets (AUTH_SECRET, API_HASH_SECRET) come from `.dev.vars` locally, `wrangler secret` deployed. */
export const EnvVarsSchema = z
  .object({
    ENVIRONMENT: z.enum(['development', 'test', 'production']).default('production'),
    AUTH_MODE: z.enum(['authjs', 'cloudflare', 'none']).default('authjs'),
    AUTH_SECRET: z.string().min(32, 'must be at least 32 characters'),
    API_HASH_SECRET: z.string().min(32, 'must be at least 32 characters'),
    /** Key material for secrets stored encrypted (webhook signing secrets); AUTH_SECRET is used when unset. */
    ENCRYPTION_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
    /**
     * Encryption at rest: 32 random bytes, base64 (`openssl rand -base64 32`). Wraps each account's master keys and
     * nothing else. Optional until an account turns encryption on (then its absence is a startup error).
     */
    ENCRYPTION_ROOT_KEY: z
      .string()
      .refine((value) => parseRootKey(value) !== null, 'must be 32 bytes, base64 (openssl rand -base64 32)')
      .optional(),
    /** The root key being replaced, only while its master keys are re-wrapped (POST /v1/encryption/root-key/rewrap). */
    ENCRYPTION_ROOT_KEY_PREVIOUS: z
      .string()
      .refine((value) => parseRootKey(value) !== null, 'must be 32 bytes, base64')
      .optional(),
    PUBLIC_API_URL: z.url(),
    PUBLIC_DASHBOARD_URL: z.url().optional(),
    CDN_HOSTNAME: z.string().optional(),
    CORS_ORIGINS: csv.default([]),
    ALLOWED_VARIANTS: z
      .string()
      .optional()
      .transform((value, ctx) => {
        if (!value) return undefined;
        try {
          return z.array(z.string()).parse(JSON.parse(value));
        } catch {
          ctx.addIssue({ code: 'custom', message: 'must be a JSON array of preset names' });
          return z.NEVER;
        }
      }),
    DEFAULT_VARIANT: z.string().default('w1024'),
    USAGE_LIMITS_ENABLED: flag.default(false),
    RATE_LIMIT_ENABLED: flag.default(true),
    ALLOW_PRIVATE_WEBHOOK_TARGETS: flag.default(false),
    /** Seals S3 backup credentials (AES-GCM, key derived by HKDF): 32+ random characters. Backups need it. */
    BACKUP_ENCRYPTION_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
    /** Lets backup endpoints be private addresses (a local S3 server); ALLOW_PRIVATE_WEBHOOK_TARGETS when unset. */
    ALLOW_PRIVATE_BACKUP_TARGETS: flag.optional(),
    IMAGE_ENGINE: z.enum(['auto', 'images-binding', 'wasm', 'passthrough']).default('auto'),
    /** Image understanding (labels, text in images, captions): Workers AI (the AI binding), the local engine, or off. */
    AI_ENGINE: z.enum(AI_ENGINES).default('off'),
    /** Where the local AI engine (packages/ai-local) listens, for AI_ENGINE=local. */
    AI_LOCAL_URL: z.url().default(AI_LOCAL_DEFAULT_URL),
    /** Refuse CDN query-string transforms without a valid signature (presets and `?t=` stay open). */
    REQUIRE_SIGNED_TRANSFORMS: flag.default(false),
    MAX_UPLOAD_MEGAPIXELS: z.coerce.number().positive().default(50),
    ANALYTICS_RETENTION_DAYS: z.coerce.number().int().positive().default(90),
    /** Where each CDN answer is counted: `d1` (a row in analytics_events, the default) or `engine` (Analytics Engine). */
    ANALYTICS_SINK: z.enum(ANALYTICS_SINKS).default('d1'),
    /** `false` counts nothing (no point per CDN answer): for instances that want no analytics, and the benchmark's baseline. */
    ANALYTICS_ENABLED: flag.default(true),
    /** With ANALYTICS_SINK=engine the 02:00 rollup reads the Analytics Engine SQL API with these (Account Analytics: Read). */
    CLOUDFLARE_ACCOUNT_ID: z.string().min(1).optional(),
    CLOUDFLARE_ANALYTICS_TOKEN: z.string().min(1).optional(),
    /** Cloudflare's API base; tests point it at the SQL API stand-in on loopback. */
    CLOUDFLARE_API_BASE_URL: z.url().default(CLOUDFLARE_API_BASE),
    /**
     * Custom domains through Cloudflare for SaaS: the zone holding the custom hostnames, a token with
     * "SSL and Certificates: Edit" on it, and the fallback origin's name that users point their CNAME at.
     */
    ENABLE_CUSTOM_DOMAINS: flag.default(false),
    CLOUDFLARE_ZONE_ID: z.string().min(1).optional(),
    CLOUDFLARE_API_TOKEN: z.string().min(1).optional(),
    CUSTOM_DOMAIN_FALLBACK_CNAME: z
      .string()
      .regex(/^[a-z0-9.-]+\.[a-z0-9-]+$/, 'must be a bare host name, e.g. fallback.pixelflare.example')
      .optional(),
    /** The release and commit deployed, set by the deploy (`--var`); GET /v1/status reports them. */
    APP_VERSION: z.string().min(1).default('dev'),
    APP_COMMIT: z.string().min(1).default('unknown'),
    // AUTH_MODE=authjs: each provider is offered when both its id and secret are set.
    GITHUB_OAUTH_CLIENT_ID: z.string().min(1).optional(),
    GITHUB_OAUTH_CLIENT_SECRET: z.string().min(1).optional(),
    GOOGLE_OAUTH_CLIENT_ID: z.string().min(1).optional(),
    GOOGLE_OAUTH_CLIENT_SECRET: z.string().min(1).optional(),
    /** Any OpenID Connect issuer (Keycloak, Authentik, Okta, ...): its discovery document must be reachable. */
    OIDC_ISSUER: z.url().optional(),
    OIDC_CLIENT_ID: z.string().min(1).optional(),
    OIDC_CLIENT_SECRET: z.string().min(1).optional(),
    /** The label on the sign-in button for the OpenID Connect provider. */
    OIDC_PROVIDER_NAME: z.string().min(1).default('OpenID Connect'),
    /**
     * Passkeys (AUTH_MODE=authjs): administrators must sign in with a passkey. An admin who has one cannot sign in
     * with a provider any more; an admin who has none yet signs in, but the admin console waits for a passkey sign-in.
     */
    REQUIRE_PASSKEY_FOR_ADMINS: flag.default(false),
    /**
     * The WebAuthn relying party id passkeys are bound to: the dashboard's host name (PUBLIC_DASHBOARD_URL, else
     * PUBLIC_API_URL) unless set. Set a parent domain (example.com) to serve the dashboard from several subdomains.
     * Changing it later invalidates every registered passkey.
     */
    PASSKEY_RP_ID: z
      .string()
      .regex(/^[a-z0-9.-]+$/, 'must be a bare host name, e.g. example.com')
      .optional(),
    /** The name authenticators show next to a passkey. */
    PASSKEY_RP_NAME: z.string().min(1).max(64).default('Pixelflare'),
    // AUTH_MODE=cloudflare: the Access team domain (https://<team>.cloudflareaccess.com) and the application's AUD tag.
    ACCESS_TEAM_DOMAIN: z.url().optional(),
    ACCESS_AUD: z.string().min(1).optional(),
    /** Optional bot protection (Cloudflare Turnstile): on when both keys are set. */
    TURNSTILE_SITE_KEY: z.string().min(1).optional(),
    TURNSTILE_SECRET_KEY: z.string().min(1).optional(),
    /** Where tokens are verified; tests point it at a stand-in on loopback. */
    TURNSTILE_VERIFY_URL: z.url().default(TURNSTILE_SITEVERIFY_URL),
    /**
     * The widget's script the dashboard loads (told by /auth/providers). Tests and local development only: the e2e
     * tests point it at the Turnstile stand-in's widget, as Cloudflare's cannot load offline. Refused in production.
     */
    TURNSTILE_SCRIPT_URL: z.url().default(TURNSTILE_SCRIPT_URL),
    /** Optional Stripe billing (Checkout, Customer Portal, subscription webhooks); needs every STRIPE_SETTINGS entry. */
    STRIPE_ENABLED: flag.default(false),
    STRIPE_SECRET_KEY: z.string().min(1).optional(),
    STRIPE_WEBHOOK_SECRET: z.string().min(1).optional(),
    STRIPE_PRICE_STARTER: z.string().min(1).optional(),
    STRIPE_PRICE_PRO: z.string().min(1).optional(),
    /** Stripe's API base; tests point it at the Stripe stand-in on loopback. */
    STRIPE_API_BASE_URL: z.url().default('https://api.stripe.com'),
  })
  .superRefine((vars, ctx) => {
    if (vars.STRIPE_ENABLED) {
      for (const name of STRIPE_SETTINGS.filter((name) => vars[name] === undefined))
        ctx.addIssue({ code: 'custom', path: [name], message: 'is required by STRIPE_ENABLED=true' });
    }
    // A provider is all or nothing: half a configuration is a typo, not a choice.
    for (const group of ALL_OR_NOTHING_SETTINGS) {
      const set = group.filter((name) => vars[name] !== undefined);
      if (set.length === 0 || set.length === group.length) continue;
      for (const name of group.filter((name) => vars[name] === undefined)) {
        ctx.addIssue({ code: 'custom', path: [name], message: `is missing (${set.join(', ')} set)` });
      }
    }
    if (vars.ALLOWED_VARIANTS) {
      const allowed = vars.ALLOWED_VARIANTS;
      const unknown = allowed.filter((name) => !isVariantName(name));
      const missing = REQUIRED_VARIANTS.filter((name) => !allowed.includes(name));
      if (unknown.length > 0) {
        ctx.addIssue({
          code: 'custom',
          path: ['ALLOWED_VARIANTS'],
          message: `names unknown presets: ${unknown.join(', ')}`,
        });
      }
      if (missing.length > 0) {
        ctx.addIssue({
          code: 'custom',
          path: ['ALLOWED_VARIANTS'],
          message: `must keep ${missing.join(', ')} (the dashboard and album covers show them)`,
        });
      }
    }
    if (vars.ANALYTICS_SINK === 'engine') {
      for (const name of ['CLOUDFLARE_ACCOUNT_ID', 'CLOUDFLARE_ANALYTICS_TOKEN'] as const) {
        if (!vars[name])
          ctx.addIssue({
            code: 'custom',
            path: [name],
            message: 'is required by ANALYTICS_SINK=engine (the rollup reads the SQL API)',
          });
      }
    }
    if (vars.ENVIRONMENT === 'production' && vars.TURNSTILE_SCRIPT_URL !== TURNSTILE_SCRIPT_URL) {
      ctx.addIssue({
        code: 'custom',
        path: ['TURNSTILE_SCRIPT_URL'],
        message: `is for tests and local development only (a stand-in widget); production loads ${TURNSTILE_SCRIPT_URL}`,
      });
    }
    if (vars.ENABLE_CUSTOM_DOMAINS) {
      for (const name of [
        'CLOUDFLARE_ZONE_ID',
        'CLOUDFLARE_API_TOKEN',
        'CUSTOM_DOMAIN_FALLBACK_CNAME',
      ] as const) {
        if (!vars[name])
          ctx.addIssue({
            code: 'custom',
            path: [name],
            message: 'is required by ENABLE_CUSTOM_DOMAINS=true',
          });
      }
    }
    if (vars.AUTH_MODE === 'cloudflare') {
      for (const name of ACCESS_SETTINGS) {
        if (!vars[name])
          ctx.addIssue({ code: 'custom', path: [name], message: 'is required by AUTH_MODE=cloudflare' });
      }
    }
  });
export type EnvVars = z.infer<typeof EnvVarsSchema>;

const REQUIRED_BINDINGS = [
  'DB',
  'IMAGES_BUCKET',
  'KV',
  'VARIANTS_QUEUE',
  'WEBHOOKS_QUEUE',
  'BACKUPS_QUEUE',
  'DOMAINS_QUEUE',
] as const;

export class EnvError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid environment: ${problems.join('; ')}`);
    this.name = 'EnvError';
  }
}

const validated = new WeakMap<object, EnvVars>();

/** Validates vars and bindings once per env object; a problem names the variable. */
export function loadEnv(bindings: Bindings): EnvVars {
  const cached = validated.get(bindings);
  if (cached) return cached;
  const env = bindings as unknown as Record<string, unknown>;
  const problems: string[] = [];
  for (const name of REQUIRED_BINDINGS) {
    if (!env[name]) problems.push(`binding ${name} is missing`);
  }
  const parsed = EnvVarsSchema.safeParse(env);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const name = issue.path.join('.');
      const missing = env[name] === undefined && issue.code !== 'custom';
      problems.push(missing ? `${name} is missing` : `${name} ${issue.message}`);
    }
  }
  if (problems.length > 0 || !parsed.success) throw new EnvError(problems);
  validated.set(bindings, parsed.data);
  return parsed.data;
}
