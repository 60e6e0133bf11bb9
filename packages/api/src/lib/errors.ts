import type { ErrorCode, FieldIssue } from '@pixelflare/shared';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** The one error type thrown anywhere in the API; the error handler turns it into the uniform JSON body. */
export class AppError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: ErrorCode,
    message: string,
    readonly issues?: FieldIssue[],
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export const badRequest = (message: string, issues?: FieldIssue[]) =>
  new AppError(400, issues ? 'VALIDATION_FAILED' : 'BAD_REQUEST', message, issues);
/** Another tenant's resource answers 404 too: existence is never leaked. */
export const notFound = (what = 'Resource') => new AppError(404, 'NOT_FOUND', `${what} not found`);
export const conflict = (message: string) => new AppError(409, 'CONFLICT', message);
