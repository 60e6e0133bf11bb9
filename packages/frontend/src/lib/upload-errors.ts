import { t } from '@pixelflare/i18n';
import { ErrorBodySchema } from '@pixelflare/shared';
import { ApiError } from './api/client';
import { errorMessage } from './errors';

/**
 * Words a refused upload from the API's answer body (tus passes it through as text). Anything that is not
 * an API error body (a dropped connection, a proxy's HTML page) is worded as a network or server failure.
 */
export function refusedUploadMessage(status: number | undefined, body: string | undefined): string {
  const error = ErrorBodySchema.safeParse(parseJson(body));
  if (error.success)
    return errorMessage(new ApiError(status ?? 400, error.data.error.code, error.data.error.message));
  return status ? t('error.INTERNAL_ERROR') : t('error.NETWORK_ERROR');
}

function parseJson(text: string | undefined): unknown {
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return null;
  }
}
