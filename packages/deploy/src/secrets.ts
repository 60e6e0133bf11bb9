/**
 * What the API Worker needs set before it can serve, mirroring packages/api/src/lib/env.ts (EnvVarsSchema): the
 * values with no default, and the sign-in rules of its AUTH_MODE. Secrets are checked by name only; values are never
 * read or printed.
 */

/** env.ts: `z.string().min(32)` with no default; they are secrets (`wrangler secret put`). */
export const REQUIRED_SECRETS = ['AUTH_SECRET', 'API_HASH_SECRET'] as const;

/** AUTH_MODE=authjs: a provider is offered when all of its values are set, and at least one must be. */
export const SIGN_IN_PROVIDERS = [
  ['GITHUB_OAUTH_CLIENT_ID', 'GITHUB_OAUTH_CLIENT_SECRET'],
  ['GOOGLE_OAUTH_CLIENT_ID', 'GOOGLE_OAUTH_CLIENT_SECRET'],
  ['OIDC_ISSUER', 'OIDC_CLIENT_ID', 'OIDC_CLIENT_SECRET'],
] as const;

/** AUTH_MODE=cloudflare (Cloudflare Access). */
export const ACCESS_SETTINGS = ['ACCESS_TEAM_DOMAIN', 'ACCESS_AUD'] as const;

/**
 * Each problem names what is missing. `set` holds every name that has a value on the Worker: its secrets, the
 * deploy configuration's [vars] and the --var values the deploy passes.
 */
export function missingSettings(set: ReadonlySet<string>, authMode: string): string[] {
  const problems: string[] = [];
  for (const name of REQUIRED_SECRETS) if (!set.has(name)) problems.push(`${name} is not set`);
  if (authMode === 'authjs') {
    const complete = SIGN_IN_PROVIDERS.filter((group) => group.every((name) => set.has(name)));
    for (const group of SIGN_IN_PROVIDERS) {
      const present = group.filter((name) => set.has(name));
      if (present.length > 0 && present.length < group.length) {
        for (const name of group.filter((candidate) => !set.has(candidate))) {
          problems.push(`${name} is not set (${present.join(', ')} is)`);
        }
      }
    }
    if (complete.length === 0 && !problems.some((problem) => /OAUTH|OIDC/.test(problem))) {
      problems.push(
        `no sign-in provider: set ${SIGN_IN_PROVIDERS.map((group) => group.join(' + ')).join(', or ')} ` +
          '(or deploy with AUTH_MODE=cloudflare)',
      );
    }
  }
  if (authMode === 'cloudflare') {
    for (const name of ACCESS_SETTINGS)
      if (!set.has(name)) problems.push(`${name} is not set (AUTH_MODE=cloudflare)`);
  }
  return problems;
}
