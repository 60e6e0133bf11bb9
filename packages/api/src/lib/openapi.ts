import { ErrorBodySchema } from '@pixelflare/shared';
import type { z } from 'zod';

/** Building blocks of the route contracts (`*.routes.ts`), so every route documents its answers the same way. */
export const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: ErrorBodySchema } },
});

export const jsonResponse = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

/** What any authenticated route can answer besides its own outcomes. */
export const AUTHED_ERRORS = {
  400: errorResponse('Invalid input'),
  401: errorResponse('Not authenticated'),
  403: errorResponse('Missing scope'),
} as const;

export const BEARER_SECURITY = [{ bearerAuth: [] }];
