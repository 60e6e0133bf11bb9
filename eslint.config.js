import { base } from '@pixelflare/tooling/eslint';

export default [
  ...base,
  // Svelte components are checked by svelte-check (packages/frontend `typecheck`).
  { ignores: ['**/*.svelte', 'packages/docs/**'] },
  {
    files: ['packages/api/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'drizzle-orm',
              importNames: ['inArray', 'notInArray'],
              message:
                'D1 binds at most 100 parameters per query: match a list with inList (src/lib/sql.ts), one bound JSON array.',
            },
          ],
        },
      ],
    },
  },
];
