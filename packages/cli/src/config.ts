import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { CliError, EXIT } from './exit-codes';

const StoredConfigSchema = z.object({ url: z.string().url(), apiKey: z.string().min(1) });
export type StoredConfig = z.infer<typeof StoredConfigSchema>;

/**
 * Where the login is kept: PIXELFLARE_CONFIG_DIR, else the platform's user config directory
 * (`$XDG_CONFIG_HOME` or `~/.config` on Linux, `~/Library/Application Support` on macOS, `%APPDATA%` on Windows).
 */
export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PIXELFLARE_CONFIG_DIR) return env.PIXELFLARE_CONFIG_DIR;
  if (process.platform === 'win32')
    return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'pixelflare');
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'pixelflare');
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'pixelflare');
}

export const configFile = (env: NodeJS.ProcessEnv = process.env) => join(configDir(env), 'config.json');

export function readStoredConfig(env: NodeJS.ProcessEnv = process.env): StoredConfig | null {
  const file = configFile(env);
  if (!existsSync(file)) return null;
  const parsed = StoredConfigSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success)
    throw new CliError(`${file} is not a valid login: run pixelflare login`, 'BAD_CONFIG', EXIT.auth);
  return parsed.data;
}

/** Writes the login readable by its owner only (0600, in a 0700 directory): it holds an API key. */
export function writeStoredConfig(config: StoredConfig, env: NodeJS.ProcessEnv = process.env): string {
  mkdirSync(configDir(env), { recursive: true, mode: 0o700 });
  const file = configFile(env);
  writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  // `mode` applies only when the file is created: a login over an older file tightens it too.
  chmodSync(file, 0o600);
  return file;
}

/** The instance and key to use: PIXELFLARE_URL and PIXELFLARE_API_KEY, each over the stored login. */
export function resolveCredentials(env: NodeJS.ProcessEnv = process.env): StoredConfig {
  const stored = readStoredConfig(env);
  const url = env.PIXELFLARE_URL || stored?.url;
  const apiKey = env.PIXELFLARE_API_KEY || stored?.apiKey;
  if (!url || !apiKey)
    throw new CliError(
      'Not logged in: run `pixelflare login`, or set PIXELFLARE_URL and PIXELFLARE_API_KEY',
      'NOT_LOGGED_IN',
      EXIT.auth,
    );
  return { url: normaliseUrl(url), apiKey };
}

export function normaliseUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CliError(`Not a URL: ${url}`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')
    throw new CliError(`The instance URL must be http or https: ${url}`);
  return parsed.origin;
}
