import { base } from '@pixelflare/tooling/eslint';

export default [
  ...base,
  // Svelte components are checked by svelte-check (packages/frontend `typecheck`).
  { ignores: ['**/*.svelte', 'packages/docs/**'] },
];
