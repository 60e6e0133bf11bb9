import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const packageDir = path.join(import.meta.dirname, '..');

/**
 * Starts the local AI engine as its own Node process, exactly as `npm start` does (outbound fetch blocked), on a
 * free port; resolves once it listens. For the tests that need it (the API's global setup, this package's tests).
 */
export function spawnAiLocal(
  options: { dataDir?: string } = {},
): Promise<{ url: string; stop: () => Promise<void>; dataDir: string }> {
  // A fresh vector index per run unless told where (a test of persistence restarts on the same folder).
  const fresh = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(path.join(tmpdir(), 'ai-local-'));
  const child = spawn(process.execPath, ['--import', 'tsx', '--import', './src/offline.ts', 'src/main.ts'], {
    cwd: packageDir,
    env: { ...process.env, AI_LOCAL_PORT: '0', AI_LOCAL_EXIT_WITH_PARENT: '1', AI_LOCAL_DATA_DIR: dataDir },
    // stdin stays open while this process lives: the engine exits when it closes.
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const stop = () =>
    new Promise<void>((resolve) => {
      const done = () => {
        if (fresh) rmSync(dataDir, { recursive: true, force: true });
        resolve();
      };
      if (child.exitCode !== null) return done();
      child.once('exit', done);
      child.kill('SIGTERM');
    });
  return new Promise((resolve, reject) => {
    let output = '';
    child.once('exit', (code) => reject(new Error(`local AI engine exited (${code}): ${output}`)));
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const url = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
      if (url) resolve({ url, stop, dataDir });
    });
  });
}
