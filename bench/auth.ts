/**
 * CPU cost of recognising a caller, per request, for each credential the API accepts: the production functions
 * (packages/api/src/services) on fixed inputs, with the D1 user read left out (every credential pays it alike).
 * Baseline: the API key's HMAC, which every API request already paid before sign-in existed.
 * Access tokens are verified against a JWKS served on loopback; after the first request the keys are cached,
 * as in a warm isolate. Run: pnpm exec tsx bench/auth.ts   (ITERATIONS=5000 by default)
 */
import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { encode } from '@auth/core/jwt';
import { importJWK, SignJWT } from 'jose';
import { verifyAccessJwt } from '../packages/api/src/services/auth/access';
import { sessionUserId } from '../packages/api/src/services/auth/authjs';
import { openSession, sealSession } from '../packages/api/src/services/auth/session';
import { generateApiKey, hashApiKey } from '../packages/api/src/services/keys/api-key-secret';
import type { EnvVars } from '../packages/api/src/lib/env';

const iterations = Number(process.env.ITERATIONS ?? 5000);
const secret = 'bench-auth-secret-0123456789abcdef0123456789';

async function timePerOp(run: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 200; i++) await run(); // warm-up: JIT, key imports, the JWKS fetch
  const started = performance.now();
  for (let i = 0; i < iterations; i++) await run();
  return ((performance.now() - started) * 1000) / iterations;
}

// API key (baseline): HMAC-SHA256 of the presented key under API_HASH_SECRET.
const { key } = generateApiKey();
const apiKey = () => hashApiKey(secret, key);

// Auth.js session: the JWE session cookie (HKDF-derived key, salt = cookie name). A cookie seen for the first
// time is decrypted; the same cookie again is answered from the isolate's cache.
const cookieName = 'authjs.session-token';
const config = { AUTH_SECRET: secret } as EnvVars;
const sessionRequest = async (i: number) => {
  const token = await encode({ token: { sub: `oidc-${i}`, uid: `usr_${i}` }, secret, salt: cookieName });
  return new Request('http://localhost/v1/me', { headers: { Cookie: `${cookieName}=${token}` } });
};
const fresh = await Promise.all(Array.from({ length: iterations + 200 }, (_, i) => sessionRequest(i)));
let next = 0;
const authjsFirstSight = () => sessionUserId(config, fresh[next++ % fresh.length]!);
const repeated = await sessionRequest(-1);
const authjsRepeat = () => sessionUserId(config, repeated);

// Dev session (AUTH_MODE=none): AES-GCM cookie.
const devCookie = await sealSession(secret, { sub: 'usr_bench', via: 'dev' });
const devSession = () => openSession(secret, devCookie);

// Cloudflare Access: RS256 JWT against the team's JWKS (cached after the first request).
const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const kid = 'bench-key';
const jwks = JSON.stringify({
  keys: [{ ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' }],
});
let certFetches = 0;
const team = createServer((_req, res) => {
  certFetches++;
  res.writeHead(200, { 'Content-Type': 'application/json' }).end(jwks);
});
await new Promise<void>((resolve) => team.listen(0, '127.0.0.1', resolve));
const teamDomain = `http://127.0.0.1:${(team.address() as AddressInfo).port}`;
const accessToken = await new SignJWT({ email: 'bench@example.test' })
  .setProtectedHeader({ alg: 'RS256', kid })
  .setIssuer(teamDomain)
  .setAudience(['bench-aud'])
  .setSubject('access-bench')
  .setExpirationTime('1h')
  .sign(await importJWK({ ...privateKey.export({ format: 'jwk' }), alg: 'RS256' }, 'RS256'));
const access = async () => {
  const result = await verifyAccessJwt({ teamDomain, audience: 'bench-aud' }, accessToken);
  if (!result.ok) throw new Error(`Access token refused: ${result.reason}`);
};

const baseline = await timePerOp(apiKey);
const rows: [string, number][] = [
  ['API key (HMAC-SHA256), baseline', baseline],
  ['Auth.js session cookie, first sight (JWE decrypt)', await timePerOp(authjsFirstSight)],
  ['Auth.js session cookie, seen before (isolate cache)', await timePerOp(authjsRepeat)],
  ['dev session cookie (AES-GCM)', await timePerOp(devSession)],
  ['Cloudflare Access JWT (RS256, cached JWKS)', await timePerOp(access)],
];
team.close();

console.log(`Recognising a caller, CPU per request (${iterations} iterations, Node ${process.version}):\n`);
console.log('| credential | µs / request | vs API key |');
console.log('| --- | --- | --- |');
for (const [name, micros] of rows) {
  console.log(`| ${name} | ${micros.toFixed(1)} | ${(micros / baseline).toFixed(2)}× |`);
}
console.log(`\nJWKS fetched ${certFetches} time(s) for ${iterations + 200} Access verifications.`);
