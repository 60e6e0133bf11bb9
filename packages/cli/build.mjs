// Bundles the CLI into one file for plain Node 20+ (dist/pixelflare.js, the npm bin): the workspace packages it
// imports are TypeScript sources, which Node 20 cannot run itself.
import { chmodSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const outfile = fileURLToPath(new URL('./dist/pixelflare.js', import.meta.url));
await build({
  entryPoints: [fileURLToPath(new URL('./src/bin.ts', import.meta.url))],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  // CommonJS dependencies (tus-js-client) require Node's built-ins; an ES module has no `require` of its own.
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire as __pixelflareRequire } from 'node:module';\nconst require = __pixelflareRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
chmodSync(outfile, 0o755);
