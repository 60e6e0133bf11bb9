import type { TurnstileAction } from '@pixelflare/config';
import { z } from 'zod';
import { AppError } from '../../lib/errors';

/** How the API reaches siteverify: Cloudflare's in production, a stand-in on loopback in tests. */
export interface TurnstileVerifier {
  secretKey: string;
  verifyUrl: string;
}

export interface TurnstileChallenge {
  /** The token the widget produced; absent when the client sent none. */
  token: string | undefined;
  /** The visitor's IP (CF-Connecting-IP), passed on so Cloudflare can match it to the solver. */
  remoteIp: string | undefined;
  /** The step the token must have been solved for (the widget's `action`). */
  action: TurnstileAction;
  /**
   * The hostnames the widget may have been solved on: the request's, and the dashboard's when it is served from
   * another host. A token solved on a page elsewhere (a farm replaying tokens from its own site) is refused.
   */
  hostnames: string[];
}

/** Cloudflare's siteverify answer; only what is checked here. */
const SiteverifyAnswer = z.object({
  success: z.boolean(),
  'error-codes': z.array(z.string()).default([]),
  action: z.string().optional(),
  hostname: z.string().optional(),
});

/** Cloudflare refuses tokens longer than this; such a token is refused here without a round trip. */
const MAX_TOKEN_LENGTH = 2048;
/** One retry on a network failure or a 5xx, with the same idempotency key so the token is not spent twice. */
const ATTEMPTS = 2;

const refused = (codes: string[]) =>
  new AppError(403, 'TURNSTILE_FAILED', `The Turnstile check failed (${codes.join(', ')}): solve it again`);

async function siteverify(verifier: TurnstileVerifier, form: URLSearchParams) {
  let lastProblem = '';
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    try {
      const response = await fetch(verifier.verifyUrl, { method: 'POST', body: form });
      if (response.status >= 500) {
        lastProblem = `siteverify answered ${response.status}`;
        continue;
      }
      const answer = SiteverifyAnswer.safeParse(await response.json().catch(() => null));
      if (!answer.success) throw new Error(`siteverify answered ${response.status} with an unexpected body`);
      return answer.data;
    } catch (error) {
      lastProblem = error instanceof Error ? error.message : String(error);
    }
  }
  throw new AppError(
    503,
    'SERVICE_UNAVAILABLE',
    `The Turnstile check could not be verified right now (${lastProblem}): try again`,
  );
}

/**
 * Verifies a Turnstile token with siteverify; throws 403 TURNSTILE_FAILED with Cloudflare's error codes when it is
 * missing, invalid, expired, already used or solved for another step, and 503 when siteverify cannot be reached.
 */
export async function verifyTurnstile(
  verifier: TurnstileVerifier,
  challenge: TurnstileChallenge,
): Promise<void> {
  const token = challenge.token?.trim();
  if (!token) throw refused(['missing-input-response']);
  if (token.length > MAX_TOKEN_LENGTH) throw refused(['invalid-input-response']);
  const form = new URLSearchParams({
    secret: verifier.secretKey,
    response: token,
    idempotency_key: crypto.randomUUID(),
  });
  if (challenge.remoteIp) form.set('remoteip', challenge.remoteIp);
  const answer = await siteverify(verifier, form);
  const codes = answer['error-codes'];
  if (codes.some((code) => code.endsWith('-input-secret'))) {
    // Our secret, not the visitor's token: an operator's mistake, never the user's.
    throw new AppError(
      503,
      'MISCONFIGURED',
      `TURNSTILE_SECRET_KEY was refused by siteverify (${codes.join(', ')})`,
    );
  }
  if (!answer.success) throw refused(codes.length > 0 ? codes : ['unknown']);
  // A widget with no action set answers without one; one solved for another step is refused.
  if (answer.action && answer.action !== challenge.action)
    throw refused([`action-mismatch:${answer.action}`]);
  if (answer.hostname && !challenge.hostnames.includes(answer.hostname.toLowerCase()))
    throw refused([`hostname-mismatch:${answer.hostname}`]);
}
