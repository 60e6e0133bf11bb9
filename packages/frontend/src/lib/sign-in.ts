import { t } from '@pixelflare/i18n';

/**
 * Auth.js's error types (the `error` query parameter it sends people back with), in words. Only the ones a person
 * can act on get their own message; anything else is "try again", never the raw type.
 */
export function signInErrorMessage(type: string): string {
  switch (type) {
    case 'AccessDenied':
      return t('sign_in.error.access_denied');
    case 'Configuration':
      return t('sign_in.error.configuration');
    // Sent by the API's sign-in check (TURNSTILE_SIGN_IN_ERRORS in packages/api/src/auth/auth.index.ts).
    case 'TurnstileFailed':
      return t('sign_in.error.turnstile');
    case 'TurnstileUnavailable':
      return t('sign_in.error.turnstile_unavailable');
    // Sent by the API when REQUIRE_PASSKEY_FOR_ADMINS refuses an admin's provider sign-in (PASSKEY_REQUIRED_SIGN_IN_ERROR).
    case 'PasskeyRequired':
      return t('sign_in.error.passkey_required');
    case 'MissingCSRF':
    case 'Verification':
      return t('sign_in.error.expired');
    default:
      return t('sign_in.error.other');
  }
}
