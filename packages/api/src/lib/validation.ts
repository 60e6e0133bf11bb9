import type { FieldIssue } from '@pixelflare/shared';
import type { ZodError } from 'zod';

export function zodIssues(error: ZodError): FieldIssue[] {
  return error.issues.map((issue) => ({ path: issue.path.join('.') || '(root)', message: issue.message }));
}
