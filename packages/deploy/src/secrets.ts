/**
 * What the API Worker needs set before it can serve. The names come from packages/config/src/settings.ts, the lists
 * the API's environment schema (packages/api/src/lib/env.ts) validates with; packages/api/src/lib/settings.test.ts
 * fails when the two differ. Secrets are checked by name only; values are never read or printed.
 */
import {
  ACCESS_SETTINGS,
  REQUIRED_SECRETS,
  SECRET_SETTINGS,
  SIGN_IN_PROVIDER_SETTINGS,
  STRIPE_SETTINGS,
  TURNSTILE_SETTINGS,
} from '@pixelflare/config';

export { REQUIRED_SECRETS, SECRET_SETTINGS };

/**
 * Secrets the deploy itself sets on the API Worker when they are in its environment (`wrangler secret put`, the
 * value on stdin: never an argument, never printed). Every other secret is set by hand beforehand.
 */
export const DEPLOY_SECRETS = ['STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET'] as const;

/** A group set in part: each missing name, with what is set beside it. */
function halfSet(group: readonly string[], set: ReadonlySet<string>): string[] {
  const present = group.filter((name) => set.has(name));
  if (present.length === 0 || present.length === group.length) return [];
  return group
    .filter((name) => !set.has(name))
    .map((name) => `${name} is not set (${present.join(', ')} is)`);
}

/**
 * Each problem names what is missing. `set` holds every name that has a value on the Worker: its secrets, the
 * deploy configuration's [vars] and the --var values the deploy passes.
 */
export function missingSettings(set: ReadonlySet<string>, authMode: string, stripeEnabled = false): string[] {
  const problems: string[] = [];
  for (const name of REQUIRED_SECRETS) if (!set.has(name)) problems.push(`${name} is not set`);
  if (authMode === 'authjs') {
    const complete = SIGN_IN_PROVIDER_SETTINGS.filter((group) => group.every((name) => set.has(name)));
    const partial = SIGN_IN_PROVIDER_SETTINGS.flatMap((group) => halfSet(group, set));
    problems.push(...partial);
    if (complete.length === 0 && partial.length === 0) {
      problems.push(
        `no sign-in provider: set ${SIGN_IN_PROVIDER_SETTINGS.map((group) => group.join(' + ')).join(', or ')} ` +
          '(or deploy with AUTH_MODE=cloudflare)',
      );
    }
  }
  if (authMode === 'cloudflare') {
    for (const name of ACCESS_SETTINGS)
      if (!set.has(name)) problems.push(`${name} is not set (AUTH_MODE=cloudflare)`);
  }
  // Bot protection is optional, but half of it would make every dashboard upload and sign-in fail.
  problems.push(...halfSet(TURNSTILE_SETTINGS, set).map((problem) => `${problem}: Turnstile needs both`));
  problems.push(...stripeProblems(set, stripeEnabled));
  return problems;
}

/**
 * Stripe billing, checked as the API's environment schema checks it at start-up: STRIPE_ENABLED=true needs all of
 * STRIPE_SETTINGS, and off, a part of them is a typo (all of them with billing off is billing paused).
 */
export function stripeProblems(set: ReadonlySet<string>, stripeEnabled: boolean): string[] {
  if (stripeEnabled) {
    return STRIPE_SETTINGS.filter((name) => !set.has(name)).map(
      (name) => `${name} is not set (STRIPE_ENABLED=true needs ${STRIPE_SETTINGS.join(', ')})`,
    );
  }
  return halfSet(STRIPE_SETTINGS, set).map(
    (problem) => `${problem}: Stripe billing needs all of them, and STRIPE_ENABLED=true`,
  );
}
