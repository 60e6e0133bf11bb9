import type { ErrorBody } from '@pixelflare/shared';
import type { Context, ErrorHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { ZodError } from 'zod';
import { AppError } from './errors';
import { EnvError } from './env';
import { describeError } from './logger';
import type { AppEnv } from './types';
import { zodIssues } from './validation';

function errorResponse(
  c: Context<AppEnv>,
  status: ContentfulStatusCode,
  error: Omit<ErrorBody['error'], 'requestId'>,
  headers?: Record<string, string>,
) {
  const body: ErrorBody = { error: { ...error, requestId: c.get('requestId') } };
  return c.json(body, status, headers);
}

/**
 * Turns anything thrown into `{ error: { code, message, requestId } }`. Known errors keep their status and
 * message; anything else is logged with the request id and answered with a generic 500.
 */
export const handleError: ErrorHandler<AppEnv> = (err, c) => {
  if (err instanceof AppError) {
    return errorResponse(
      c,
      err.status,
      { code: err.code, message: err.message, issues: err.issues },
      err.headers,
    );
  }
  if (err instanceof ZodError) {
    return errorResponse(c, 400, {
      code: 'VALIDATION_FAILED',
      message: 'Request validation failed',
      issues: zodIssues(err),
    });
  }
  if (err instanceof HTTPException && err.status < 500) {
    // Hono raises these for malformed bodies (e.g. invalid JSON) and oversize requests.
    const code =
      err.status === 413 ? 'PAYLOAD_TOO_LARGE' : err.status === 401 ? 'UNAUTHORIZED' : 'BAD_REQUEST';
    return errorResponse(c, err.status, { code, message: err.message || 'Bad request' });
  }
  const logger = c.get('logger');
  if (err instanceof EnvError) {
    logger?.error('environment is misconfigured', { problems: err.problems });
    return errorResponse(c, 503, {
      code: 'MISCONFIGURED',
      message: `Server misconfigured: ${err.problems.join('; ')}`,
    });
  }
  logger?.error('unhandled error', describeError(err));
  return errorResponse(c, 500, {
    code: 'INTERNAL_ERROR',
    message: 'Something went wrong on our side. Quote the request id if you report it.',
  });
};

export const handleNotFound: NotFoundHandler<AppEnv> = (c) =>
  errorResponse(c, 404, {
    code: 'NOT_FOUND',
    message: `No route for ${c.req.method} ${new URL(c.req.url).pathname}`,
  });
