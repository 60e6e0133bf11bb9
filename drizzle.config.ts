import { defineConfig } from 'drizzle-kit';

// The Drizzle schema owns every table; `pnpm db:generate` writes SQL migrations that wrangler applies to D1.
export default defineConfig({
  dialect: 'sqlite',
  schema: './packages/database/src/schema/index.ts',
  out: './packages/database/migrations',
  casing: 'snake_case',
});
