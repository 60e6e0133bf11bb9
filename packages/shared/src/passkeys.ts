import { PASSKEY_LIMITS } from '@pixelflare/config';
import { z } from 'zod';
import { IsoDateTime } from './common';
import { ProfileSchema } from './users';

/**
 * Passkeys (WebAuthn) in AUTH_MODE=authjs. The ceremonies' options and the browser's answers are WebAuthn's own
 * JSON shapes (`PublicKeyCredentialCreationOptionsJSON`, `RegistrationResponseJSON`, ...), passed through as they are:
 * `@simplewebauthn/browser` reads and writes them, the server checks them.
 */
const WebAuthnJson = z.record(z.string(), z.unknown());

export const PasskeyNameSchema = z
  .string()
  .trim()
  .min(1)
  .max(PASSKEY_LIMITS.nameMaxLength)
  .meta({ description: 'A name to tell your passkeys apart', example: 'Work laptop' });

export const PasskeyCeremonyOptionsSchema = z
  .object({
    challenge_id: z
      .string()
      .meta({ description: 'Send it back with the answer; valid once, for five minutes' }),
    options: WebAuthnJson.meta({
      description:
        'WebAuthn options (JSON form) to hand to the browser (navigator.credentials.create or .get)',
    }),
  })
  .meta({ id: 'PasskeyCeremonyOptions' });
export type PasskeyCeremonyOptions = z.infer<typeof PasskeyCeremonyOptionsSchema>;

export const PasskeyRegistrationVerifySchema = z
  .object({
    challenge_id: z.string().min(1).max(64),
    name: PasskeyNameSchema,
    response: WebAuthnJson.meta({ description: 'The browser’s RegistrationResponseJSON' }),
  })
  .meta({ id: 'PasskeyRegistrationVerify' });
export type PasskeyRegistrationVerify = z.infer<typeof PasskeyRegistrationVerifySchema>;

export const PasskeyAuthenticationVerifySchema = z
  .object({
    challenge_id: z.string().min(1).max(64),
    response: WebAuthnJson.meta({ description: 'The browser’s AuthenticationResponseJSON' }),
  })
  .meta({ id: 'PasskeyAuthenticationVerify' });
export type PasskeyAuthenticationVerify = z.infer<typeof PasskeyAuthenticationVerifySchema>;

export const PasskeySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    device_type: z.enum(['singleDevice', 'multiDevice']).meta({
      description: 'multiDevice: a synced passkey (a password manager, a platform account)',
    }),
    backed_up: z.boolean(),
    transports: z.array(z.string()),
    created_at: IsoDateTime,
    last_used_at: IsoDateTime.nullable(),
  })
  .meta({ id: 'Passkey' });
export type PasskeyResource = z.infer<typeof PasskeySchema>;

export const PasskeyListSchema = z.object({ data: z.array(PasskeySchema) }).meta({ id: 'PasskeyList' });
export const PasskeyUpdateSchema = z.object({ name: PasskeyNameSchema }).meta({ id: 'PasskeyUpdate' });
export const PasskeyParam = z.object({ id: z.string().min(1).max(64) });

export const PasskeySignInSchema = z
  .object({ authenticated: z.literal(true), user: ProfileSchema })
  .meta({ id: 'PasskeySignIn', description: 'Signed in: the session cookie is set' });
