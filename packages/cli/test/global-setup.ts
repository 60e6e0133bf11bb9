import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startStack } from '../../frontend/e2e/stack';

const root = resolve(import.meta.dirname, '../../..');

export interface CliStack {
  apiUrl: string;
  apiKeys: Record<'alice' | 'bob', string>;
}

declare module 'vitest' {
  export interface ProvidedContext {
    cliStack: CliStack;
  }
}

/** The stack the dashboard's end-to-end tests use, without the dashboard; and a fresh bundle of the CLI. */
export default async function setup(project: TestProject) {
  execFileSync(process.execPath, [resolve(import.meta.dirname, '../build.mjs')], { stdio: 'inherit' });
  const stack = await startStack({
    host: '127.0.0.1',
    seed: true,
    // `upload <url>` is tested by fetching the stack's own CDN URLs, on loopback, which the SSRF guard refuses.
    vars: { ALLOW_PRIVATE_WEBHOOK_TARGETS: 'true' },
    dashboard: false,
  });
  const keys = JSON.parse(readFileSync(join(root, '.dev/credentials.json'), 'utf8')) as Record<
    'alice' | 'bob',
    { apiKey: string }
  >;
  project.provide('cliStack', {
    apiUrl: stack.apiUrl,
    apiKeys: { alice: keys.alice.apiKey, bob: keys.bob.apiKey },
  });
  return stack.stop;
}
