import { t, type MessageKey } from '@pixelflare/i18n';
import { ApiError } from './api/client';

/** Words any failure for people: the API's error code through its `error.<CODE>` message, never raw JSON. */
export function errorMessage(error: unknown): string {
  const code = error instanceof ApiError ? error.code : 'INTERNAL_ERROR';
  const key = `error.${code}` as MessageKey;
  return t(key);
}
