import path from 'node:path';
import { startAiServer } from './server';

// 8793: beside the API (8787), the dashboard (5173) and the dev identity servers (8791, 8792).
const port = Number(process.env.AI_LOCAL_PORT ?? 8793);
// The local vector index's files: AI_LOCAL_DATA_DIR, else .data/ in this package (git-ignored).
const dataDir = process.env.AI_LOCAL_DATA_DIR ?? path.join(import.meta.dirname, '..', '.data');
const { url, stop } = await startAiServer(port, path.join(dataDir, 'vectors'));
console.log(`local AI engine on ${url} (offline: outbound fetch is blocked)`);
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.on(signal, () => {
    void stop().then(() => process.exit(0));
  });
// Started by a test's setup (spawn.ts): stop when that process goes, however it ends, so no engine is left behind.
if (process.env.AI_LOCAL_EXIT_WITH_PARENT === '1')
  process.stdin.on('end', () => void stop().then(() => process.exit(0))).resume();
