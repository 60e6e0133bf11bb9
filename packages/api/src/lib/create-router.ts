import { OpenAPIHono } from '@hono/zod-openapi';
import { AppError } from './errors';
import type { AppEnv } from './types';
import { zodIssues } from './validation';

/**
 * A router whose Zod validation failures become 400 `VALIDATION_FAILED` with every failing field listed,
 * through the same error handler as everything else.
 */
export function createRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        const issues = zodIssues(result.error);
        throw new AppError(
          400,
          'VALIDATION_FAILED',
          `Invalid ${result.target}: ${issues.map((i) => i.path).join(', ')}`,
          issues,
        );
      }
    },
  });
}
export type AppRouter = ReturnType<typeof createRouter>;
