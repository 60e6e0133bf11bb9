import { ErrorBodySchema } from '@pixelflare/shared';
import type { z } from 'zod';

/**
 * Building blocks of the route contracts (`*.routes.ts`), so every route documents its answers the same way.
 *
 * Every operation in a contract has, and `openapi-contract.test.ts` fails naming the one that lacks:
 * - `operationId`: camelCase `<verb><Resource>` (`listImages`, `getAlbum`, `createWebhook`, `updateMe`,
 *   `deleteTransform`; an action is its own verb: `restoreImage`, `rotateWebhookSecret`). Client generators name
 *   their methods from it, so it is unique in the document and never renamed once released.
 * - `security`: `BEARER_SECURITY`, or `PUBLIC_SECURITY` for a route anybody may call, or the credential it takes.
 * - at least one 4XX answer (`AUTHED_ERRORS` for authenticated routes; `RATE_LIMITED` for public ones).
 */
export const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: ErrorBodySchema } },
});

export const jsonResponse = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

/** Every `/v1` request passes the rate limiter (per key, or per address without one). */
export const RATE_LIMITED = {
  429: errorResponse('Too many requests: `Retry-After` says when to try again'),
} as const;

/** What any authenticated route can answer besides its own outcomes. */
export const AUTHED_ERRORS = {
  400: errorResponse('Invalid input'),
  401: errorResponse('Not authenticated'),
  403: errorResponse('Missing scope'),
  ...RATE_LIMITED,
} as const;

/** The names of the document's security schemes (registered in routes/docs/docs.index.ts). */
export const SECURITY_SCHEMES = { bearer: 'bearerAuth', uploadToken: 'uploadToken' } as const;

export const BEARER_SECURITY = [{ [SECURITY_SCHEMES.bearer]: [] }];
/** No credential: the route answers anybody (an empty requirement, which OpenAPI reads as "public"). */
export const PUBLIC_SECURITY: { [scheme: string]: string[] }[] = [];
/** The single-use `token` query parameter of a two-step upload's `upload_url`. */
export const UPLOAD_TOKEN_SECURITY = [{ [SECURITY_SCHEMES.uploadToken]: [] }];
