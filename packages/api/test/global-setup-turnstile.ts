import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

declare module 'vitest' {
  interface ProvidedContext {
    /** The stand-in's origin: `POST /issue` mints a token, `/turnstile/v0/siteverify` verifies it. */
    turnstileStandIn: string;
  }
}

/** The secret the stand-in accepts; any other is `invalid-input-secret`, as Cloudflare answers. */
export const TURNSTILE_TEST_SECRET = '0x4AAAAAAAstandin-secret-key';
export const TURNSTILE_TEST_SITE_KEY = '0x4AAAAAAAstandin-site-key';
/** Cloudflare's documented lifetime of a token. */
const TOKEN_TTL_MS = 300_000;

interface IssuedToken {
  action: string;
  hostname: string;
  issuedAt: number;
  /** The idempotency key of the verification that spent it, and that verification's answer. */
  spentBy?: { idempotencyKey: string | undefined; answer: object };
}

async function bodyOf(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * A stand-in for Cloudflare Turnstile's siteverify on loopback, faithful to its documented contract: a form-encoded
 * POST of `secret`, `response`, `remoteip`, `idempotency_key`; answers `{ success, challenge_ts, hostname,
 * 'error-codes', action, cdata }`; a token verifies once (`timeout-or-duplicate` after, or after 300 s), except that
 * a retry with the same idempotency key gets the first answer again. Tests mint tokens with `POST /issue`
 * (`{ action, hostname, ageSeconds }`; `ageSeconds` back-dates one to make it expired) and read what siteverify
 * was sent with `GET /requests`.
 */
export default async function setup(project: { provide: (key: 'turnstileStandIn', value: string) => void }) {
  const tokens = new Map<string, IssuedToken>();
  const requests: Record<string, string>[] = [];
  const server = createServer((req, res) => {
    const answer = (status: number, body: object) =>
      void res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
    void (async () => {
      if (req.method === 'POST' && req.url === '/issue') {
        const {
          action = '',
          hostname = 'localhost',
          ageSeconds = 0,
        } = JSON.parse((await bodyOf(req)) || '{}') as {
          action?: string;
          hostname?: string;
          ageSeconds?: number;
        };
        const token = `standin.${randomUUID()}`;
        tokens.set(token, { action, hostname, issuedAt: Date.now() - ageSeconds * 1000 });
        return answer(200, { token });
      }
      if (req.method === 'GET' && req.url === '/requests') return answer(200, { requests });
      if (req.method !== 'POST' || req.url !== '/turnstile/v0/siteverify') return answer(404, {});
      const contentType = req.headers['content-type'] ?? '';
      const form = new URLSearchParams(await bodyOf(req));
      const fields = Object.fromEntries(form);
      requests.push({ ...fields, 'content-type': contentType });
      const failure = (codes: string[]) => ({ success: false, 'error-codes': codes, messages: [] });
      if (!contentType.startsWith('application/x-www-form-urlencoded'))
        return answer(200, failure(['bad-request']));
      const secret = form.get('secret');
      if (!secret) return answer(200, failure(['missing-input-secret']));
      if (secret !== TURNSTILE_TEST_SECRET) return answer(200, failure(['invalid-input-secret']));
      const response = form.get('response');
      if (!response) return answer(200, failure(['missing-input-response']));
      const issued = tokens.get(response);
      if (!issued) return answer(200, failure(['invalid-input-response']));
      const idempotencyKey = form.get('idempotency_key') ?? undefined;
      if (issued.spentBy) {
        const retry = idempotencyKey !== undefined && issued.spentBy.idempotencyKey === idempotencyKey;
        return answer(200, retry ? issued.spentBy.answer : failure(['timeout-or-duplicate']));
      }
      const verdict =
        Date.now() - issued.issuedAt > TOKEN_TTL_MS
          ? failure(['timeout-or-duplicate'])
          : {
              success: true,
              challenge_ts: new Date(issued.issuedAt).toISOString(),
              hostname: issued.hostname,
              'error-codes': [],
              action: issued.action,
              cdata: '',
              metadata: { ephemeral_id: `x:${randomUUID()}` },
            };
      issued.spentBy = { idempotencyKey, answer: verdict };
      return answer(200, verdict);
    })().catch((error: unknown) => answer(500, { error: String(error) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  project.provide('turnstileStandIn', `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  return () => new Promise<void>((resolve) => server.close(() => resolve()));
}
