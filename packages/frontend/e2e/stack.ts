// Global setup for the end-to-end tests: the real stack, as `npm start` runs it, on free ports with throwaway state.
// wrangler dev --local (migrations applied, alice and bob seeded) and the dashboard's vite dev server pointing at it.
// `startStack` is exported for a test that needs a stack configured otherwise (sign-in through Auth.js).
import { spawnAiLocal } from '@pixelflare/ai-local/spawn';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { TestProject } from 'vitest/node';

const root = resolve(import.meta.dirname, '../../..');
const frontend = resolve(import.meta.dirname, '..');

export interface Stack {
  apiUrl: string;
  dashboardUrl: string;
  apiKeys: Record<'alice' | 'bob', string>;
}

declare module 'vitest' {
  export interface ProvidedContext {
    stack: Stack;
  }
}

export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? done(address.port) : fail(new Error('no port')),
      );
    });
  });
}

async function waitFor(url: string, what: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${what} exited (${child.exitCode}):\n${log()}`);
    const ok = await fetch(url).then(
      (response) => response.status < 500,
      () => false,
    );
    if (ok) return;
    await new Promise((wait) => setTimeout(wait, 250));
  }
  throw new Error(`${what} did not answer at ${url} within 90 s:\n${log()}`);
}

function start(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv) {
  const child = spawn(command, args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-8000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return { child, log: () => output };
}

// Kills the whole process group (wrangler and vite each start workers of their own).
function stop(child: ChildProcess) {
  if (child.pid && child.exitCode === null) {
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
}

export interface StackOptions {
  /**
   * The host in the public URLs. Auth.js sign-in needs `localhost`: its cookies are set by the dashboard's proxy
   * and read by the API's callback, and cookies ignore ports but not `localhost` versus `127.0.0.1`.
   */
  host: '127.0.0.1' | 'localhost';
  /** `--var NAME:value` for wrangler dev, over `.dev.vars` (which sets AUTH_MODE=none). */
  vars: Record<string, string>;
  /** Seed alice and bob (writes their keys to `.dev/credentials.json`, as `npm start` does). */
  seed: boolean;
  /** Picked by the caller when something else must know the API's port first (an OAuth redirect URI). */
  apiPort?: number;
  /** Start the dashboard's vite dev server too (default); the CLI's tests need the API only. */
  dashboard?: boolean;
}

export interface RunningStack {
  apiUrl: string;
  dashboardUrl: string;
  stop(): void;
}

/** wrangler dev --local with its own throwaway state (migrations applied) and a vite dev server proxying to it. */
export async function startStack(options: StackOptions): Promise<RunningStack> {
  const stateDir = mkdtempSync(join(tmpdir(), 'pixelflare-e2e-'));
  const env = {
    ...process.env,
    PIXELFLARE_ROOT: root,
    PIXELFLARE_STATE_DIR: stateDir,
    WRANGLER_SEND_METRICS: 'false',
  };
  const run = (command: string, args: string[]) =>
    execFileSync(command, args, { cwd: root, env, stdio: 'pipe' });
  run('wrangler', ['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', stateDir]);
  if (options.seed) run('tsx', ['scripts/seed.ts']);

  const apiPort = options.apiPort ?? (await freePort());
  const [inspectorPort, webPort] = [await freePort(), await freePort()];
  const apiUrl = `http://${options.host}:${apiPort}`;
  const dashboardUrl = `http://${options.host}:${webPort}`;
  const vars = {
    PUBLIC_API_URL: apiUrl,
    PUBLIC_DASHBOARD_URL: dashboardUrl,
    CORS_ORIGINS: dashboardUrl,
    // .dev.vars says local (npm start runs the local AI engine); a stack turns it on only with an engine of its own.
    AI_ENGINE: 'off',
    ...options.vars,
  };
  // prettier-ignore
  const api = start('wrangler', [
    'dev', '--local', '--config', 'wrangler.toml', '--port', String(apiPort), '--ip', '127.0.0.1',
    '--inspector-port', String(inspectorPort), '--persist-to', stateDir, '--show-interactive-dev-session=false',
    ...Object.entries(vars).flatMap(([name, value]) => ['--var', `${name}:${value}`]),
  ], root, env);
  const web =
    options.dashboard === false
      ? null
      : start('vite', ['dev', '--port', String(webPort), '--strictPort', '--host', '127.0.0.1'], frontend, {
          ...env,
          PIXELFLARE_API_URL: `http://127.0.0.1:${apiPort}`,
        });
  const stopAll = () => {
    stop(api.child);
    if (web) stop(web.child);
    rmSync(stateDir, { recursive: true, force: true });
  };
  try {
    await waitFor(`http://127.0.0.1:${apiPort}/v1/status`, 'wrangler dev', api.child, api.log);
    if (web) await waitFor(`http://127.0.0.1:${webPort}/`, 'vite dev', web.child, web.log);
  } catch (error) {
    stopAll();
    throw error;
  }
  return { apiUrl, dashboardUrl, stop: stopAll };
}

export default async function setup(project: TestProject) {
  // The real local AI engine, so the image page's analysis card shows what it found (e2e/analysis.test.ts).
  const ai = await spawnAiLocal();
  const stack = await startStack({
    host: '127.0.0.1',
    seed: true,
    // The webhook test's receiver listens on loopback, which the SSRF guard refuses unless this is set.
    vars: { ALLOW_PRIVATE_WEBHOOK_TARGETS: 'true', AI_ENGINE: 'local', AI_LOCAL_URL: ai.url },
  }).catch(async (error: unknown) => {
    await ai.stop();
    throw error;
  });
  const apiKeys = JSON.parse(readFileSync(join(root, '.dev/credentials.json'), 'utf8')) as Record<
    'alice' | 'bob',
    { apiKey: string }
  >;
  project.provide('stack', {
    apiUrl: stack.apiUrl,
    dashboardUrl: stack.dashboardUrl,
    apiKeys: { alice: apiKeys.alice.apiKey, bob: apiKeys.bob.apiKey },
  });
  return async () => {
    stack.stop();
    await ai.stop();
  };
}
