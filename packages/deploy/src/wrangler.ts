import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The monorepo's root: wrangler.toml, packages/frontend and packages/gateway are found from here. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

// wrangler's package exports only its API (wrangler-dist/cli.js); its bin script sits beside that folder.
const WRANGLER_BIN = resolve(
  dirname(createRequire(import.meta.url).resolve('wrangler')),
  '../bin/wrangler.js',
);

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd?: string;
  /** Also print the command's output as it runs (deploy steps); provisioning stays quiet. */
  echo?: boolean;
  /** The environment for the command; the current process's by default. */
  env?: Record<string, string | undefined>;
  /** Written to the command's stdin (a secret's value for `wrangler secret put`: never an argument). */
  input?: string;
}

/** Runs a command without a shell; resolves with its exit code and output (never rejects on a non-zero exit). */
export function runCommand(
  command: string,
  args: string[],
  options: RunOptions = {},
): Promise<CommandResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd ?? REPO_ROOT,
      env: {
        WRANGLER_SEND_METRICS: 'false',
        // Wrangler's bundle is large; Node's compile cache saves a quarter of each start's CPU.
        NODE_COMPILE_CACHE: join(tmpdir(), 'pixelflare-node-compile-cache'),
        ...(options.env ?? process.env),
        NO_COLOR: '1',
        FORCE_COLOR: '0',
      },
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    if (options.input !== undefined) child.stdin?.end(options.input);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      if (options.echo) process.stdout.write(chunk);
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
      if (options.echo) process.stderr.write(chunk);
    });
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code: code ?? 1, stdout, stderr }));
  });
}

export function runWrangler(args: string[], options: RunOptions = {}): Promise<CommandResult> {
  return runCommand(process.execPath, [WRANGLER_BIN, ...args], options);
}

/** The error wrangler printed (Cloudflare's message and code when the API refused), without colours or log paths. */
export function wranglerError(result: CommandResult): string {
  // eslint-disable-next-line no-control-regex
  const plain = (text: string) => text.replace(/\u001b\[[0-9;]*m/g, '');
  const lines = plain(result.stderr.trim() ? result.stderr : result.stdout)
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('🪵') && !/^⛅️|^─+$|^If you think this is a bug/.test(line));
  const start = lines.findIndex((line) => line.includes('[ERROR]'));
  const relevant = start === -1 ? lines : lines.slice(start);
  return relevant.join(' ').replace('✘ [ERROR] ', '').trim() || `wrangler exited with code ${result.code}`;
}
