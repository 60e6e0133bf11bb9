/**
 * The API Worker's settings that a deploy must get right, named once: the API's environment schema
 * (packages/api/src/lib/env.ts) validates with these groups, and `pnpm run deploy` (packages/deploy) checks them
 * before anything is deployed. packages/api/src/lib/settings.test.ts fails when the schema and these lists differ.
 */

/** Required, with no default: the deploy refuses to start without them. Set with `wrangler secret put`. */
export const REQUIRED_SECRETS = ['AUTH_SECRET', 'API_HASH_SECRET'] as const;

/** AUTH_MODE=authjs: a provider is offered when all of its values are set, and at least one must be. */
export const SIGN_IN_PROVIDER_SETTINGS = [
  ['GITHUB_OAUTH_CLIENT_ID', 'GITHUB_OAUTH_CLIENT_SECRET'],
  ['GOOGLE_OAUTH_CLIENT_ID', 'GOOGLE_OAUTH_CLIENT_SECRET'],
  ['OIDC_ISSUER', 'OIDC_CLIENT_ID', 'OIDC_CLIENT_SECRET'],
] as const;

/** Bot protection (Turnstile): on when both are set; the site key is a plain variable, the secret key a secret. */
export const TURNSTILE_SETTINGS = ['TURNSTILE_SITE_KEY', 'TURNSTILE_SECRET_KEY'] as const;

/**
 * Stripe billing (off unless `STRIPE_ENABLED=true`, which requires all of them): the secret API key, the webhook
 * endpoint's signing secret, and the recurring price id of each paid plan.
 */
export const STRIPE_SETTINGS = [
  'STRIPE_SECRET_KEY',
  'STRIPE_WEBHOOK_SECRET',
  'STRIPE_PRICE_STARTER',
  'STRIPE_PRICE_PRO',
] as const;

/** Groups that are all or nothing: half of one is a typo, not a choice. */
export const ALL_OR_NOTHING_SETTINGS = [
  ...SIGN_IN_PROVIDER_SETTINGS,
  TURNSTILE_SETTINGS,
  STRIPE_SETTINGS,
] as const;

/** AUTH_MODE=cloudflare (Cloudflare Access): both required. */
export const ACCESS_SETTINGS = ['ACCESS_TEAM_DOMAIN', 'ACCESS_AUD'] as const;

/**
 * Every setting that is a secret: set with `wrangler secret put` (or `.dev.vars` locally), never a [vars] entry or a
 * `--var` flag, never printed. The deploy reads their names only (`wrangler secret list`).
 */
export const SECRET_SETTINGS = [
  ...REQUIRED_SECRETS,
  'ENCRYPTION_KEY',
  'BACKUP_ENCRYPTION_KEY',
  'ENCRYPTION_ROOT_KEY',
  'ENCRYPTION_ROOT_KEY_PREVIOUS',
  'GITHUB_OAUTH_CLIENT_SECRET',
  'GOOGLE_OAUTH_CLIENT_SECRET',
  'OIDC_CLIENT_SECRET',
  'TURNSTILE_SECRET_KEY',
  'CLOUDFLARE_ANALYTICS_TOKEN',
  'CLOUDFLARE_API_TOKEN',
  'STRIPE_SECRET_KEY',
  'STRIPE_WEBHOOK_SECRET',
] as const;
