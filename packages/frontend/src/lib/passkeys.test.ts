import { WebAuthnError } from '@simplewebauthn/browser';
import { describe, expect, it } from 'vitest';
import { ApiError } from '$lib/api/client';
import { passkeyErrorMessage } from './passkeys';

const cause = (name: string) => Object.assign(new Error(name), { name });

describe('passkey failures in words', () => {
  it('tells a cancelled prompt from a device that already has a passkey here', () => {
    expect(
      passkeyErrorMessage(
        new WebAuthnError({ message: 'x', code: 'ERROR_CEREMONY_ABORTED', cause: cause('AbortError') }),
      ),
    ).toMatch(/cancelled/);
    expect(passkeyErrorMessage(cause('NotAllowedError'))).toMatch(/cancelled/);
    expect(
      passkeyErrorMessage(
        new WebAuthnError({
          message: 'x',
          code: 'ERROR_AUTHENTICATOR_PREVIOUSLY_REGISTERED',
          cause: cause('InvalidStateError'),
        }),
      ),
    ).toMatch(/already holds a passkey/);
  });

  it("words the API's refusals: a clone by its own code, other refusals as refused", () => {
    expect(passkeyErrorMessage(new ApiError(401, 'PASSKEY_CLONED', 'm'))).toMatch(/cloned authenticator/);
    expect(passkeyErrorMessage(new ApiError(401, 'UNAUTHORIZED', 'm'))).toMatch(/not registered here/);
    expect(passkeyErrorMessage(new ApiError(403, 'PASSKEY_REQUIRED', 'm'))).toMatch(/Administrators/);
  });
});
