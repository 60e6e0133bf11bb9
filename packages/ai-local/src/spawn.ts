import { spawn } from 'node:child_process';
import path from 'node:path';

const packageDir = path.join(import.meta.dirname, '..');

/**
 * Starts the local AI engine as its own Node process, exactly as `npm start` does (outbound fetch blocked), on a
 * free port; resolves once it listens. For the tests that need it (the API's global setup, this package's tests).
 */
export function spawnAiLocal(): Promise<{ url: string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--import', './src/offline.ts', 'src/main.ts'], {
    cwd: packageDir,
    env: { ...process.env, AI_LOCAL_PORT: '0', AI_LOCAL_EXIT_WITH_PARENT: '1' },
    // stdin stays open while this process lives: the engine exits when it closes.
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  return new Promise((resolve, reject) => {
    let output = '';
    child.once('exit', (code) => reject(new Error(`local AI engine exited (${code}): ${output}`)));
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const url = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
      if (url) resolve({ url, stop });
    });
  });
}
