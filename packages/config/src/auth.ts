/** Sign-in: owner slugs given to new users, Auth.js providers, Cloudflare Access. */

/** Owner slugs are the first segment of public URLs: lowercase letters, digits and single hyphens. */
export const OWNER_SLUG_PATTERN = /^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){1,31}$/;
export const OWNER_SLUG_MAX_LENGTH = 32;
/** Slugs that would collide with a route or read as official. `i` is the short-link prefix (`/cdn/i/{id}`). */
export const RESERVED_OWNER_SLUGS: ReadonlySet<string> = new Set([
  'i',
  'admin',
  'api',
  'auth',
  'cdn',
  'dashboard',
  'docs',
  'help',
  'root',
  'static',
  'support',
  'system',
  'v1',
  'www',
  'pixelflare',
]);

/** Auth.js provider ids, in the order the sign-in page shows them. The callback is `/auth/callback/{id}`. */
export const AUTHJS_PROVIDER_IDS = ['github', 'google', 'oidc'] as const;
export type AuthjsProviderId = (typeof AUTHJS_PROVIDER_IDS)[number];
/** Auth.js names its session cookie itself; with HTTPS it adds the `__Secure-` prefix. */
export const AUTHJS_SESSION_COOKIE_NAMES = ['authjs.session-token', '__Secure-authjs.session-token'] as const;

/** Cloudflare Access puts its JWT in this header, and in this cookie for browser requests. */
export const ACCESS_JWT_HEADER = 'Cf-Access-Jwt-Assertion';
export const ACCESS_JWT_COOKIE = 'CF_Authorization';
/** Where a team publishes its signing keys, relative to the team domain. */
export const ACCESS_CERTS_PATH = '/cdn-cgi/access/certs';
/**
 * The signing keys are cached per isolate. A token with an unknown `kid` refetches them (Access rotates keys),
 * but at most once per cooldown, so a stream of forged `kid`s cannot turn into a stream of requests.
 */
export const ACCESS_JWKS_CACHE_MAX_AGE_MS = 10 * 60 * 1000;
export const ACCESS_JWKS_COOLDOWN_MS = 5_000;

/** Passkeys (WebAuthn) in AUTH_MODE=authjs. */
export const PASSKEY_LIMITS = {
  /** How long a registration or sign-in challenge may be answered; each is single-use. */
  challengeTtlMs: 5 * 60 * 1000,
  /** How long the browser waits for the authenticator. */
  ceremonyTimeoutMs: 2 * 60 * 1000,
  nameMaxLength: 64,
  /** Passkeys per user. */
  maxPerUser: 20,
} as const;
/** Sign-in error the Auth.js sign-in page gets when an admin tries a provider while a passkey is required. */
export const PASSKEY_REQUIRED_SIGN_IN_ERROR = 'PasskeyRequired';
