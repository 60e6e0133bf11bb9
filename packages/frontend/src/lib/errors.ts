import { t, type MessageKey } from '@pixelflare/i18n';
import { ApiError } from './api/client';

/**
 * Words any failure for people, never raw JSON: a 400 with the API's own message (it names the field or says what
 * is wrong, which "not understood" would hide), anything else through its code's `error.<CODE>` message (a server
 * error, an unreachable API, an answer that was not the API's).
 */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError && error.status === 400 && isWrittenForPeople(error)) return error.message;
  const code = error instanceof ApiError ? error.code : 'INTERNAL_ERROR';
  const key = `error.${code}` as MessageKey;
  return t(key);
}

/** The API's own 400s carry a sentence; a 400 that is not an API error body (a proxy's page) is `INTERNAL_ERROR`. */
const isWrittenForPeople = (error: ApiError) =>
  (error.code === 'BAD_REQUEST' || error.code === 'VALIDATION_FAILED') && error.message.trim() !== '';
