import { t } from '@pixelflare/i18n';
import {
  browserSupportsWebAuthn,
  startAuthentication,
  startRegistration,
  WebAuthnError,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/browser';
import { api } from '$lib/api';
import { ApiError } from '$lib/api/client';
import { errorMessage } from '$lib/errors';

export const passkeysSupported = () => browserSupportsWebAuthn();

/** Settings > Passkeys > Add: the server's options, the browser's authenticator prompt, the server's check. */
export async function addPasskey(name: string) {
  const { challenge_id, options } = await api.passkeyRegistrationOptions();
  const response = await startRegistration({
    optionsJSON: options as unknown as PublicKeyCredentialCreationOptionsJSON,
  });
  return api.registerPasskey({ challenge_id, name, response });
}

/** "Sign in with a passkey": the API sets the same session cookie a provider sign-in does. */
export async function signInWithPasskey() {
  const { challenge_id, options } = await api.passkeySignInOptions();
  const response = await startAuthentication({
    optionsJSON: options as unknown as PublicKeyCredentialRequestOptionsJSON,
  });
  return api.signInWithPasskey({ challenge_id, response });
}

/** A passkey ceremony's failure in words: the person cancelled, the device already has one, or the API refused. */
export function passkeyErrorMessage(error: unknown): string {
  if (error instanceof WebAuthnError) {
    if (error.code === 'ERROR_AUTHENTICATOR_PREVIOUSLY_REGISTERED')
      return t('passkeys.error.already_registered');
    if (error.code === 'ERROR_CEREMONY_ABORTED') return t('passkeys.error.cancelled');
  }
  if (error instanceof Error && error.name === 'NotAllowedError') return t('passkeys.error.cancelled');
  if (error instanceof ApiError && error.status === 401 && error.code === 'UNAUTHORIZED')
    return t('passkeys.error.refused');
  return errorMessage(error);
}
