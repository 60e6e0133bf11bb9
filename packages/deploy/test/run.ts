import { runCommand, REPO_ROOT, type CommandResult } from '../src/wrangler.ts';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { CloudflareApiStandIn } from './cloudflare-api-stand-in.ts';

const TSX = createRequire(import.meta.url).resolve('tsx/cli');

/** Runs one of the package's CLIs as a user would (`pnpm provision`, `pnpm run deploy`), against the stand-in. */
export function runCli(
  script: 'provision' | 'deploy',
  args: string[],
  standIn: CloudflareApiStandIn | undefined,
  extraEnv: Record<string, string> = {},
): Promise<CommandResult> {
  const env: Record<string, string | undefined> = { ...process.env, ...extraEnv };
  delete env.CLOUDFLARE_API_TOKEN;
  delete env.CLOUDFLARE_ACCOUNT_ID;
  delete env.CLOUDFLARE_API_BASE_URL;
  if (standIn) {
    env.CLOUDFLARE_API_BASE_URL = standIn.baseUrl;
    env.CLOUDFLARE_API_TOKEN = 'test-token-not-a-secret';
    env.CLOUDFLARE_ACCOUNT_ID = standIn.accountId;
  }
  return runCommand(
    process.execPath,
    [TSX, join(REPO_ROOT, 'packages/deploy/src', `${script}.ts`), ...args],
    {
      env,
    },
  );
}
