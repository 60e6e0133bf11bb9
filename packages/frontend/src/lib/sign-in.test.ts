import { t } from '@pixelflare/i18n';
import { describe, expect, it } from 'vitest';
import { signInErrorMessage } from './sign-in';

describe('sign-in failures in words', () => {
  it('tells a refused person to ask the administrator, and an expired form to try again', () => {
    expect(signInErrorMessage('AccessDenied')).toMatch(/refused.*administrator/);
    expect(signInErrorMessage('MissingCSRF')).toMatch(/expired/);
    expect(signInErrorMessage('Configuration')).toMatch(/could not be reached/);
  });

  it("words the API's Turnstile refusals (a failed or expired check, siteverify unreachable)", () => {
    expect(signInErrorMessage('TurnstileFailed')).toMatch(/bot check did not pass/);
    expect(signInErrorMessage('TurnstileUnavailable')).toMatch(/could not be verified/);
  });

  it('sends an administrator refused at the provider (REQUIRE_PASSKEY_FOR_ADMINS) to the passkey button', () => {
    expect(signInErrorMessage('PasskeyRequired')).toMatch(/Administrators must sign in with a passkey/);
  });

  it('never shows an unknown error type as such', () => {
    expect(signInErrorMessage('<script>')).toBe(t('sign_in.error.other'));
  });
});
