import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestProject } from 'vitest/node';
import { startOidcProvider } from './oidc-provider.ts';

/** A private signing key as a JWK, with its `kid`, for tests (in workerd) to sign Access-style tokens. */
export interface TestSigningKey {
  kid: string;
  privateJwk: Record<string, unknown>;
}

declare module 'vitest' {
  interface ProvidedContext {
    oidcIssuer: string;
    accessTeamDomain: string;
    /** `published` is in the team's JWKS from the start; `rotated` only after `POST /rotate`; `stranger` never. */
    accessKeys: { published: TestSigningKey; rotated: TestSigningKey; stranger: TestSigningKey };
  }
}

/** The redirect URI Auth.js builds from the tests' base URL (test/helpers.ts BASE). */
/** The Access application's AUD tag the tests configure. */
export const ACCESS_TEST_AUDIENCE = 'pixelflare-test-access-aud';

export const TEST_OIDC_REDIRECT_URI = 'http://localhost:8787/auth/callback/oidc';

function rsaKey(kid: string) {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    kid,
    publicJwk: { ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' },
    privateJwk: { ...privateKey.export({ format: 'jwk' }), kid, alg: 'RS256' },
  };
}

/**
 * Real identity servers on loopback, outside workerd: an OpenID Connect provider for the Auth.js sign-in flow,
 * and a stand-in Cloudflare Access team domain that publishes RS256 keys at /cdn-cgi/access/certs.
 */
export default async function setup(project: TestProject) {
  const op = await startOidcProvider({ port: 0, redirectUris: [TEST_OIDC_REDIRECT_URI] });

  const published = rsaKey('access-key-1');
  const rotated = rsaKey('access-key-2');
  const stranger = rsaKey('stranger-key');
  let keys = [published.publicJwk];
  let certRequests = 0;
  const team = createServer((req, res) => {
    if (req.method === 'POST' && req.url === '/rotate') {
      keys = [published.publicJwk, rotated.publicJwk];
      return void res.writeHead(204).end();
    }
    if (req.url === '/stats') {
      return void res
        .writeHead(200, { 'Content-Type': 'application/json' })
        .end(JSON.stringify({ certRequests }));
    }
    if (req.url === '/cdn-cgi/access/certs') {
      certRequests += 1;
      return void res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ keys }));
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => team.listen(0, '127.0.0.1', resolve));

  project.provide('oidcIssuer', op.issuer);
  project.provide('accessTeamDomain', `http://127.0.0.1:${(team.address() as AddressInfo).port}`);
  project.provide('accessKeys', {
    published: { kid: published.kid, privateJwk: published.privateJwk },
    rotated: { kid: rotated.kid, privateJwk: rotated.privateJwk },
    stranger: { kid: stranger.kid, privateJwk: stranger.privateJwk },
  });
  return async () => {
    await op.close();
    await new Promise<void>((resolve) => team.close(() => resolve()));
  };
}
