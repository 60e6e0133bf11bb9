import type { RouteHandler } from '@hono/zod-openapi';
import { SESSION_TTL_SECONDS } from '@pixelflare/config';
import { setCookie } from 'hono/cookie';
import type { AppEnv } from '../../lib/types';
import { auditAuthEvent, principalOf } from '../../middleware/auth';
import { passkeySessionCookie } from '../../services/auth/authjs';
import {
  authenticationOptions,
  deletePasskey,
  listPasskeys,
  PasskeySignInError,
  registrationOptions,
  relyingParty,
  renamePasskey,
  requirePasskeysEnabled,
  verifyAuthentication,
  verifyRegistration,
} from '../../services/passkeys/passkeys';
import { getProfile } from '../../services/users/users';
import type {
  createPasskeyRegistrationOptionsRoute,
  createPasskeySignInOptionsRoute,
  deletePasskeyRoute,
  listPasskeysRoute,
  signInWithPasskeyRoute,
  updatePasskeyRoute,
  verifyPasskeyRegistrationRoute,
} from './passkeys.routes';

export const listPasskeysHandler: RouteHandler<typeof listPasskeysRoute, AppEnv> = async (c) => {
  requirePasskeysEnabled(c.get('config'));
  return c.json({ data: await listPasskeys(c.get('db'), principalOf(c).userId) }, 200);
};

export const registrationOptionsHandler: RouteHandler<
  typeof createPasskeyRegistrationOptionsRoute,
  AppEnv
> = async (c) => {
  const options = await registrationOptions(c.get('db'), relyingParty(c.get('config')), {
    userId: principalOf(c).userId,
    now: Date.now(),
  });
  c.set('audit', { skip: true });
  return c.json(options, 200);
};

export const verifyRegistrationHandler: RouteHandler<typeof verifyPasskeyRegistrationRoute, AppEnv> = async (
  c,
) => {
  const body = c.req.valid('json');
  const passkey = await verifyRegistration(c.get('db'), relyingParty(c.get('config')), {
    userId: principalOf(c).userId,
    challengeId: body.challenge_id,
    name: body.name,
    response: body.response,
    now: Date.now(),
  });
  c.set('audit', {
    action: 'passkey.create',
    resourceType: 'passkey',
    resourceId: passkey.id,
    metadata: { name: passkey.name },
  });
  return c.json(passkey, 201);
};

export const signInOptionsHandler: RouteHandler<typeof createPasskeySignInOptionsRoute, AppEnv> = async (
  c,
) => {
  requirePasskeysEnabled(c.get('config'));
  const options = await authenticationOptions(c.get('db'), relyingParty(c.get('config')), Date.now());
  c.set('audit', { skip: true });
  return c.json(options, 200);
};

export const signInHandler: RouteHandler<typeof signInWithPasskeyRoute, AppEnv> = async (c) => {
  const config = c.get('config');
  requirePasskeysEnabled(config);
  const body = c.req.valid('json');
  // The sign-in writes its own audit row (success or refusal), as provider sign-ins do.
  c.set('audit', { skip: true });
  let result;
  try {
    result = await verifyAuthentication(c.get('db'), relyingParty(config), {
      challengeId: body.challenge_id,
      response: body.response,
      now: Date.now(),
    });
  } catch (error) {
    if (error instanceof PasskeySignInError) {
      auditAuthEvent(c, 'auth.sign_in', error.userId, {
        outcome: 'failure',
        metadata: { provider: 'passkey', reason: error.reason },
      });
    }
    throw error;
  }
  const cookie = await passkeySessionCookie(config, c.req.url, result.userId);
  setCookie(c, cookie.name, cookie.value, {
    path: '/',
    httpOnly: true,
    secure: cookie.secure,
    sameSite: 'Lax',
    maxAge: SESSION_TTL_SECONDS,
  });
  auditAuthEvent(c, 'auth.sign_in', result.userId, {
    metadata: { provider: 'passkey', passkey_id: result.passkeyId },
  });
  return c.json({ authenticated: true as const, user: await getProfile(c.get('db'), result.userId) }, 200);
};

export const updatePasskeyHandler: RouteHandler<typeof updatePasskeyRoute, AppEnv> = async (c) => {
  requirePasskeysEnabled(c.get('config'));
  const { id } = c.req.valid('param');
  const passkey = await renamePasskey(c.get('db'), principalOf(c).userId, id, c.req.valid('json').name);
  c.set('audit', { action: 'passkey.rename', resourceType: 'passkey', resourceId: id });
  return c.json(passkey, 200);
};

export const deletePasskeyHandler: RouteHandler<typeof deletePasskeyRoute, AppEnv> = async (c) => {
  requirePasskeysEnabled(c.get('config'));
  const { id } = c.req.valid('param');
  await deletePasskey(c.get('db'), principalOf(c).userId, id);
  c.set('audit', { action: 'passkey.delete', resourceType: 'passkey', resourceId: id });
  return c.body(null, 204);
};
