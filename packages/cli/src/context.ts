import { createApiClient, type ApiClient } from '@pixelflare/client';
import { resolveCredentials } from './config';
import { describeError } from './exit-codes';

export const CLI_VERSION = '0.1.0';

/** What every command gets: where to write, whether to answer in JSON, and (lazily) the API. */
export interface Context {
  json: boolean;
  env: NodeJS.ProcessEnv;
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  /** The instance and a client for it, from the login or the environment. */
  connect(): { url: string; apiKey: string; api: ApiClient };
}

/** A client that sends the API key on every request (the dashboard's client, with a bearer token). */
export function clientFor(url: string, apiKey: string): ApiClient {
  const authorised: typeof fetch = (input, init = {}) => {
    const headers = new Headers(init.headers);
    headers.set('Authorization', `Bearer ${apiKey}`);
    headers.set('User-Agent', `pixelflare-cli/${CLI_VERSION}`);
    return fetch(input, { ...init, headers });
  };
  return createApiClient(url, authorised);
}

export function createContext(json: boolean, env: NodeJS.ProcessEnv = process.env): Context {
  let connected: ReturnType<Context['connect']> | undefined;
  return {
    json,
    env,
    stdout: process.stdout,
    stderr: process.stderr,
    connect() {
      if (!connected) {
        const { url, apiKey } = resolveCredentials(env);
        connected = { url, apiKey, api: clientFor(url, apiKey) };
      }
      return connected;
    },
  };
}

/** `--json`: one JSON document on stdout; otherwise the lines for a person. */
export function output(context: Context, data: unknown, lines: () => string[]): void {
  if (context.json) context.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
  else for (const line of lines()) context.stdout.write(`${line}\n`);
}

export function reportError(context: Context, error: unknown): void {
  const described = describeError(error);
  if (context.json) context.stderr.write(`${JSON.stringify({ error: described })}\n`);
  else
    context.stderr.write(
      `pixelflare: ${described.code}: ${described.message}${described.requestId ? ` (request ${described.requestId})` : ''}\n`,
    );
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
