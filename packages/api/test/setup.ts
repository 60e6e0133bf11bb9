import { applyD1Migrations, reset } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { vi } from 'vitest';

// Before every test file. In `pnpm test`'s first pass (vitest.shared.config.ts) the files that do not reach the CDN
// share one workerd runtime (`isolate: false`): starting one per file cost ~7 s of every file in a fresh-clone run
// and ~15 s on a loaded machine. So this puts back what a fresh runtime would give a file, storage and module state
// alike. In a fresh runtime (vitest.config.ts, vitest.cdn.config.ts) it changes nothing.

// 1. Empty storage: `reset()` deletes every D1, R2, KV, Cache API and Durable Object record the earlier files
//    left, and resets the Durable Object instances.
await reset();

// 2. Fresh module state: the project's own modules (packages/*, not node_modules) are evaluated again for this
//    file, so isolate-level caches (rate-limit buckets, host and hotlink caches, session and key caches, lazily
//    built limiters) start empty, as in production after a deploy. Dependencies stay evaluated: they hold no
//    state of ours, and evaluating them again is what made a fresh runtime slow. This is what `vi.resetModules()`
//    does, limited to our modules; if Vitest's module map ever changes shape, the full reset is used.
resetProjectModules();

// 3. The real migrations applied to the empty D1, as every file has always started.
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);

function resetProjectModules(): void {
  const here = new URL(import.meta.url).pathname;
  const root = here.slice(0, here.lastIndexOf('/packages/api/test/') + 1);
  const modules = (
    globalThis as {
      __vitest_worker__?: { evaluatedModules?: { idToModuleMap?: Map<string, ModuleNode> } };
    }
  ).__vitest_worker__?.evaluatedModules?.idToModuleMap;
  const nodes = modules ? [...modules] : [];
  const shaped = nodes.length > 0 && nodes.every(([, node]) => isModuleNode(node));
  if (!root || !shaped) {
    vi.resetModules();
    return;
  }
  for (const [id, node] of nodes) {
    if (!id.startsWith(`${root}packages/`) || id.includes('/node_modules/') || id === here) continue;
    node.promise = undefined;
    node.exports = undefined;
    node.evaluated = false;
    node.importers.clear();
  }
}

interface ModuleNode {
  promise: unknown;
  exports: unknown;
  evaluated: boolean;
  importers: Set<string>;
}

function isModuleNode(node: unknown): node is ModuleNode {
  return (
    typeof node === 'object' &&
    node !== null &&
    'evaluated' in node &&
    'promise' in node &&
    'exports' in node &&
    'importers' in node &&
    node.importers instanceof Set
  );
}
