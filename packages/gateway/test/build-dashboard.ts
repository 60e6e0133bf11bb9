// The dashboard Worker is SvelteKit's build output (packages/frontend/.svelte-kit/cloudflare): build it once if a
// fresh clone has not, bounded so a stuck build fails the run instead of hanging it.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './stack';

const BUILD_TIMEOUT_MS = 10 * 60_000;

export default function buildDashboardIfMissing(): void {
  const frontend = join(ROOT, 'packages/frontend');
  if (existsSync(join(frontend, '.svelte-kit/cloudflare/_worker.js'))) return;
  console.log('Building the dashboard (packages/frontend) for the gateway tests...');
  execFileSync('pnpm', ['-C', frontend, 'build'], { stdio: 'inherit', timeout: BUILD_TIMEOUT_MS });
}
