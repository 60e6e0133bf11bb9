import { ACCESS_CERTS_PATH, ACCESS_JWKS_CACHE_MAX_AGE_MS, ACCESS_JWKS_COOLDOWN_MS } from '@pixelflare/config';
import { createRemoteJWKSet, errors, jwtVerify } from 'jose';
import { sha256Hex } from '../../lib/crypto';
import type { ExternalIdentity } from './provision';

export interface AccessSettings {
  /** `https://<team>.cloudflareaccess.com`: the issuer, and where the signing keys are published. */
  teamDomain: string;
  /** The Access application's AUD tag. */
  audience: string;
}

export type AccessVerification = { ok: true; identity: ExternalIdentity } | { ok: false; reason: string };

/** One key set per team, kept for the isolate's life: jose caches the keys and refetches on an unknown `kid`. */
const keySets = new Map<string, ReturnType<typeof createRemoteJWKSet>>();

function keySetFor(teamDomain: string) {
  let keySet = keySets.get(teamDomain);
  if (!keySet) {
    keySet = createRemoteJWKSet(new URL(ACCESS_CERTS_PATH, teamDomain), {
      cacheMaxAge: ACCESS_JWKS_CACHE_MAX_AGE_MS,
      cooldownDuration: ACCESS_JWKS_COOLDOWN_MS,
    });
    keySets.set(teamDomain, keySet);
  }
  return keySet;
}

/**
 * Verifies a Cloudflare Access JWT: RS256 only (so `alg: none` and HMAC tricks fail), signed by one of the team's
 * keys, issued by the team, for this application, not expired. The owner is keyed by a hash of `sub`, so the
 * provider's raw subject id is never stored.
 */
export async function verifyAccessJwt(settings: AccessSettings, token: string): Promise<AccessVerification> {
  try {
    const { payload } = await jwtVerify(token, keySetFor(settings.teamDomain), {
      algorithms: ['RS256'],
      issuer: settings.teamDomain.replace(/\/+$/, ''),
      audience: settings.audience,
    });
    if (!payload.sub) return { ok: false, reason: 'no subject' };
    const email = typeof payload.email === 'string' ? payload.email : null;
    return {
      ok: true,
      identity: {
        kind: 'access',
        key: await sha256Hex(`access:${payload.sub}`),
        usernames: [],
        // Access only issues a token after the identity provider vouched for the address.
        email,
        emailVerified: email !== null,
        name: typeof payload.name === 'string' ? payload.name : null,
      },
    };
  } catch (error) {
    return { ok: false, reason: error instanceof errors.JOSEError ? error.code : 'malformed token' };
  }
}
