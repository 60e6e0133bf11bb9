import { SECRET_SETTINGS, TURNSTILE_SETTINGS } from '@pixelflare/config';
import { describe, expect, it } from 'vitest';
import { missingSettings, REQUIRED_SECRETS } from '../src/secrets.ts';

// The names are packages/config's (one source with the API's schema: packages/api/src/lib/settings.test.ts).
const base = [...REQUIRED_SECRETS, 'OIDC_ISSUER', 'OIDC_CLIENT_ID', 'OIDC_CLIENT_SECRET'];

describe("the deploy's settings check", () => {
  it('passes a complete configuration, with or without Turnstile', () => {
    expect(missingSettings(new Set(base), 'authjs')).toEqual([]);
    expect(missingSettings(new Set([...base, ...TURNSTILE_SETTINGS]), 'authjs')).toEqual([]);
  });

  it("names Turnstile's missing half (the secret key is a secret; the site key a --var)", () => {
    expect(missingSettings(new Set([...base, 'TURNSTILE_SITE_KEY']), 'authjs')).toEqual([
      'TURNSTILE_SECRET_KEY is not set (TURNSTILE_SITE_KEY is): Turnstile needs both',
    ]);
    expect(missingSettings(new Set([...base, 'TURNSTILE_SECRET_KEY']), 'cloudflare')).toContain(
      'TURNSTILE_SITE_KEY is not set (TURNSTILE_SECRET_KEY is): Turnstile needs both',
    );
    expect(SECRET_SETTINGS).toContain('TURNSTILE_SECRET_KEY');
  });

  it('names the required secrets, a half-set provider and Access settings', () => {
    expect(missingSettings(new Set(['GITHUB_OAUTH_CLIENT_ID']), 'authjs')).toEqual([
      'AUTH_SECRET is not set',
      'API_HASH_SECRET is not set',
      'GITHUB_OAUTH_CLIENT_SECRET is not set (GITHUB_OAUTH_CLIENT_ID is)',
    ]);
    expect(missingSettings(new Set(REQUIRED_SECRETS), 'cloudflare')).toEqual([
      'ACCESS_TEAM_DOMAIN is not set (AUTH_MODE=cloudflare)',
      'ACCESS_AUD is not set (AUTH_MODE=cloudflare)',
    ]);
  });
});
