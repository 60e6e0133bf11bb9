import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';

declare module 'vitest' {
  interface ProvidedContext {
    /** The S3 server's endpoint (`http://127.0.0.1:PORT`, path-style), and keys it accepts. */
    s3Endpoint: string;
    s3AccessKeyId: string;
    s3SecretAccessKey: string;
  }
}

export const S3_TEST_ACCESS_KEY_ID = 'PIXELFLARETESTKEY';
export const S3_TEST_SECRET_ACCESS_KEY = 'pixelflare-test-secret-0123456789';

const root = path.resolve(import.meta.dirname, '../../..');
const node24 = path.join(root, 'tools/s3/node_modules/.bin/node');

/**
 * Starts the real S3-compatible server (test/s3-server.ts, @20minutes/s3rver on Node 24) on a free loopback port
 * for the whole run, with a fresh data folder; scripts/setup.sh installs it into tools/s3. Stopped by PID at the end.
 */
export default async function setup(project: {
  provide: (key: 's3Endpoint' | 's3AccessKeyId' | 's3SecretAccessKey', value: string) => void;
}) {
  if (!existsSync(node24)) {
    throw new Error(`The S3 test server is not installed (${node24} is missing): run \`npm run setup\``);
  }
  const directory = mkdtempSync(path.join(tmpdir(), 'pixelflare-s3-'));
  const child = spawn(node24, [path.join(import.meta.dirname, 's3-server.ts')], {
    env: {
      ...process.env,
      S3_SERVER_DIR: directory,
      S3_ACCESS_KEY_ID: S3_TEST_ACCESS_KEY_ID,
      S3_SECRET_ACCESS_KEY: S3_TEST_SECRET_ACCESS_KEY,
      S3_BUCKETS: 'backups',
    },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => resolve((JSON.parse(line) as { port: number }).port));
    child.once('exit', (code) =>
      reject(new Error(`the S3 test server exited with ${code} before listening`)),
    );
  });
  project.provide('s3Endpoint', `http://127.0.0.1:${port}`);
  project.provide('s3AccessKeyId', S3_TEST_ACCESS_KEY_ID);
  project.provide('s3SecretAccessKey', S3_TEST_SECRET_ACCESS_KEY);
  return async () => {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
    rmSync(directory, { recursive: true, force: true });
  };
}
