import { SECRET_SETTINGS, STRIPE_SETTINGS, TURNSTILE_SETTINGS } from '@pixelflare/config';
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

  it('checks Stripe billing as the API does: STRIPE_ENABLED=true needs all four, and a part of them is refused', () => {
    expect(missingSettings(new Set([...base, ...STRIPE_SETTINGS]), 'authjs', true)).toEqual([]);
    // All four with billing off is billing paused, not half a configuration.
    expect(missingSettings(new Set([...base, ...STRIPE_SETTINGS]), 'authjs', false)).toEqual([]);
    expect(
      missingSettings(new Set([...base, 'STRIPE_SECRET_KEY', 'STRIPE_PRICE_STARTER']), 'authjs', true),
    ).toEqual([
      'STRIPE_WEBHOOK_SECRET is not set (STRIPE_ENABLED=true needs STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET, STRIPE_PRICE_STARTER, STRIPE_PRICE_PRO)',
      'STRIPE_PRICE_PRO is not set (STRIPE_ENABLED=true needs STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET, STRIPE_PRICE_STARTER, STRIPE_PRICE_PRO)',
    ]);
    expect(missingSettings(new Set([...base, 'STRIPE_PRICE_PRO']), 'authjs')).toContain(
      'STRIPE_SECRET_KEY is not set (STRIPE_PRICE_PRO is): Stripe billing needs all of them, and STRIPE_ENABLED=true',
    );
  });
});
