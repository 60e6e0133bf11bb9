import {
  ACCESS_SETTINGS,
  ALL_OR_NOTHING_SETTINGS,
  REQUIRED_SECRETS,
  SECRET_SETTINGS,
  TURNSTILE_SETTINGS,
} from '@pixelflare/config';
import { describe, expect, it } from 'vitest';
import { EnvVarsSchema } from './env';

// packages/config's settings lists are what `pnpm run deploy` checks before deploying; they must be the schema's.
const shape = EnvVarsSchema.shape;
const names = Object.keys(shape);

describe("the deploy's settings lists (packages/config/src/settings.ts) match the API's environment schema", () => {
  it('lists exactly the settings with no default, besides PUBLIC_API_URL (the deploy sets it with --var)', () => {
    const required = names.filter((name) => !shape[name as keyof typeof shape].safeParse(undefined).success);
    expect(required.sort()).toEqual([...REQUIRED_SECRETS, 'PUBLIC_API_URL'].sort());
  });

  it('lists every secret the schema reads, Turnstile’s secret key among them, and nothing it does not', () => {
    const secretLooking = names.filter((name) => /SECRET|_TOKEN$|ROOT_KEY|ENCRYPTION_KEY$/.test(name));
    expect([...SECRET_SETTINGS].sort()).toEqual(secretLooking.sort());
    expect(SECRET_SETTINGS).toContain(TURNSTILE_SETTINGS[1]);
  });

  it('names only settings the schema has in its groups', () => {
    for (const name of [...ALL_OR_NOTHING_SETTINGS.flat(), ...ACCESS_SETTINGS]) expect(names).toContain(name);
  });
});
