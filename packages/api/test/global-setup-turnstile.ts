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
 * The widget stand-in (`GET /widget.js`), for the dashboard's end-to-end tests: Cloudflare's api.js cannot load
 * offline, so TURNSTILE_SCRIPT_URL (tests and local development only) points the dashboard here. It implements the
 * part of `window.turnstile` the dashboard uses (render with sitekey/action/callback/expired-callback/error-callback/
 * response-field, reset, remove, getResponse): "solving" mints a real token from this stand-in for the page's
 * hostname and the widget's action, so the API's siteverify call sees what Cloudflare would answer.
 */
function widgetScript(origin: string): string {
  return `(() => {
  const origin = ${JSON.stringify(origin)};
  const widgets = new Map();
  let next = 0;
  async function solve(id) {
    const widget = widgets.get(id);
    if (!widget) return;
    widget.token = undefined;
    widget.box.dataset.state = 'solving';
    try {
      const answer = await fetch(origin + '/issue', {
        method: 'POST',
        body: JSON.stringify({ action: widget.options.action || '', hostname: location.hostname }),
      });
      const { token } = await answer.json();
      if (!widgets.has(id)) return;
      widget.token = token;
      if (widget.field) widget.field.value = token;
      widget.box.dataset.state = 'solved';
      widget.options.callback?.(token);
    } catch (error) {
      widget.box.dataset.state = 'error';
      widget.options['error-callback']?.(String(error));
    }
  }
  window.turnstile = {
    render(container, options) {
      const element = typeof container === 'string' ? document.querySelector(container) : container;
      const id = 'standin-' + next++;
      const box = document.createElement('div');
      box.dataset.testid = 'turnstile-stand-in';
      box.dataset.sitekey = options.sitekey;
      box.dataset.action = options.action || '';
      box.textContent = 'Turnstile stand-in (tests only)';
      element.appendChild(box);
      let field;
      if (options['response-field'] !== false) {
        field = document.createElement('input');
        field.type = 'hidden';
        field.name = options['response-field-name'] || 'cf-turnstile-response';
        element.appendChild(field);
      }
      widgets.set(id, { options, box, field, token: undefined });
      void solve(id);
      return id;
    },
    reset(id) { void solve(id); },
    remove(id) {
      const widget = widgets.get(id);
      widget?.box.remove();
      widget?.field?.remove();
      widgets.delete(id);
    },
    getResponse(id) { return widgets.get(id)?.token; },
    isExpired() { return false; },
  };
})();
`;
}

export interface TurnstileStandIn {
  /** `POST /issue` mints a token, `/turnstile/v0/siteverify` verifies it, `/widget.js` is the widget stand-in. */
  origin: string;
  close(): Promise<void>;
}

/**
 * A stand-in for Cloudflare Turnstile's siteverify on loopback, faithful to its documented contract: a form-encoded
 * POST of `secret`, `response`, `remoteip`, `idempotency_key`; answers `{ success, challenge_ts, hostname,
 * 'error-codes', action, cdata }`; a token verifies once (`timeout-or-duplicate` after, or after 300 s), except that
 * a retry with the same idempotency key gets the first answer again. Tests mint tokens with `POST /issue`
 * (`{ action, hostname, ageSeconds }`; `ageSeconds` back-dates one to make it expired) and read what siteverify
 * was sent with `GET /requests`.
 */
export async function startTurnstileStandIn(): Promise<TurnstileStandIn> {
  const tokens = new Map<string, IssuedToken>();
  const requests: Record<string, string>[] = [];
  let origin = '';
  const server = createServer((req, res) => {
    // The widget stand-in calls /issue from the dashboard's page, another origin.
    res.setHeader('Access-Control-Allow-Origin', '*');
    const answer = (status: number, body: object) =>
      void res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
    void (async () => {
      if (req.method === 'GET' && req.url?.startsWith('/widget.js')) {
        res.writeHead(200, { 'Content-Type': 'text/javascript' }).end(widgetScript(origin));
        return;
      }
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
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { origin, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** Vitest global setup for the API's tests: the stand-in for the whole run, its origin given as turnstileStandIn. */
export default async function setup(project: { provide: (key: 'turnstileStandIn', value: string) => void }) {
  const standIn = await startTurnstileStandIn();
  project.provide('turnstileStandIn', standIn.origin);
  return standIn.close;
}
