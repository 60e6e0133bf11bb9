import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startStack } from '../../frontend/e2e/stack';

const root = resolve(import.meta.dirname, '../../..');

export interface S3Stack {
  apiUrl: string;
  apiKeys: Record<'alice' | 'bob', string>;
}

declare module 'vitest' {
  export interface ProvidedContext {
    s3Stack: S3Stack;
  }
}

/** The real local stack (wrangler dev with throwaway state, alice and bob seeded), without the dashboard. */
export default async function setup(project: TestProject) {
  const stack = await startStack({ host: '127.0.0.1', seed: true, vars: {}, dashboard: false });
  const keys = JSON.parse(readFileSync(join(root, '.dev/credentials.json'), 'utf8')) as Record<
    'alice' | 'bob',
    { apiKey: string }
  >;
  project.provide('s3Stack', {
    apiUrl: stack.apiUrl,
    apiKeys: { alice: keys.alice.apiKey, bob: keys.bob.apiKey },
  });
  return stack.stop;
}
