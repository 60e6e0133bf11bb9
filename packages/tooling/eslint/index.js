import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** Shared flat config: strict TypeScript rules, no `any` escapes, formatting left to Prettier. */
export const base = tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/.wrangler/**',
      '**/.svelte-kit/**',
      '**/dist/**',
      '**/build/**',
      '**/migrations/meta/**',
      '**/.vitepress/cache/**',
      '**/.vitepress/dist/**',
      '**/src/lib/paraglide/**',
      'tools/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node, ...globals.browser, ...globals.serviceworker } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  prettier,
);

export default base;
