import { z } from 'zod';

/**
 * Every error code the API can answer with. The dashboard words each one for people
 * (see `@pixelflare/i18n`), so adding a code here means adding its message there.
 */
export const ERROR_CODES = [
  'BAD_REQUEST',
  'VALIDATION_FAILED',
  'UNAUTHORIZED',
  'INVALID_API_KEY',
  'INSUFFICIENT_SCOPE',
  'FORBIDDEN',
  'NOT_FOUND',
  'METHOD_NOT_ALLOWED',
  'CONFLICT',
  'GONE',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'UNPROCESSABLE_IMAGE',
  'IMAGE_TOO_LARGE',
  'QUOTA_EXCEEDED',
  'RATE_LIMITED',
  'TURNSTILE_FAILED',
  'PASSKEY_REQUIRED',
  'PASSKEY_CLONED',
  'DECRYPTION_FAILED',
  'SERVICE_UNAVAILABLE',
  'MISCONFIGURED',
  'FEATURE_DISABLED',
  'SUBSCRIPTION_EXISTS',
  'INTERNAL_ERROR',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export const FieldIssueSchema = z
  .object({
    path: z.string().meta({ description: 'Dotted path of the failing field', example: 'limit' }),
    message: z.string(),
  })
  .meta({ id: 'FieldIssue' });
export type FieldIssue = z.infer<typeof FieldIssueSchema>;

export const ErrorBodySchema = z
  .object({
    error: z.object({
      code: z.enum(ERROR_CODES),
      message: z.string(),
      requestId: z.string().optional(),
      issues: z.array(FieldIssueSchema).optional(),
    }),
  })
  .meta({ id: 'Error', description: 'Every error answer has this shape' });
export type ErrorBody = z.infer<typeof ErrorBodySchema>;

export function isErrorBody(value: unknown): value is ErrorBody {
  return ErrorBodySchema.safeParse(value).success;
}
