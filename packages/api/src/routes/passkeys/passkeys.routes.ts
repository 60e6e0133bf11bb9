import { createRoute } from '@hono/zod-openapi';
import {
  PasskeyAuthenticationVerifySchema,
  PasskeyCeremonyOptionsSchema,
  PasskeyListSchema,
  PasskeyParam,
  PasskeyRegistrationVerifySchema,
  PasskeySchema,
  PasskeySignInSchema,
  PasskeyUpdateSchema,
} from '@pixelflare/shared';
import { requireScope } from '../../middleware/auth';
import {
  errorResponse as error,
  jsonResponse as json,
  AUTHED_ERRORS as common,
  BEARER_SECURITY as security,
  PUBLIC_SECURITY,
  RATE_LIMITED,
} from '../../lib/openapi';
import { requireBrowserSession } from './passkeys.guards';

const tags = ['Passkeys'];
const body = <T>(schema: T) => ({ required: true, content: { 'application/json': { schema } } });
const disabled = { 404: error('Passkeys need AUTH_MODE=authjs (FEATURE_DISABLED)') };

export const listPasskeysRoute = createRoute({
  method: 'get',
  path: '/passkeys',
  operationId: 'listPasskeys',
  tags,
  summary: 'Your passkeys, oldest first (needs keys:manage, the account scope)',
  security,
  middleware: [requireScope('keys:manage')] as const,
  responses: { 200: json(PasskeyListSchema, 'Your passkeys'), ...common, ...disabled },
});

export const createPasskeyRegistrationOptionsRoute = createRoute({
  method: 'post',
  path: '/passkeys/registration/options',
  operationId: 'createPasskeyRegistrationOptions',
  tags,
  summary: 'Start adding a passkey (signed-in browser session only)',
  description:
    'WebAuthn creation options for `navigator.credentials.create` (a discoverable credential), and the id of the ' +
    'challenge inside them: single-use, valid for five minutes. An API key cannot add passkeys: a leaked key must ' +
    'not become a way to sign in.',
  security,
  middleware: [requireBrowserSession] as const,
  responses: {
    200: json(PasskeyCeremonyOptionsSchema, 'Options for the browser'),
    ...common,
    ...disabled,
    409: error('You already have the most passkeys allowed'),
  },
});

export const verifyPasskeyRegistrationRoute = createRoute({
  method: 'post',
  path: '/passkeys/registration',
  operationId: 'verifyPasskeyRegistration',
  tags,
  summary: 'Finish adding a passkey: the browser’s answer to the options',
  security,
  middleware: [requireBrowserSession] as const,
  request: { body: body(PasskeyRegistrationVerifySchema) },
  responses: {
    201: json(PasskeySchema, 'The passkey, registered'),
    ...common,
    ...disabled,
    409: error('This authenticator is already registered'),
  },
});

export const updatePasskeyRoute = createRoute({
  method: 'patch',
  path: '/passkeys/{id}',
  operationId: 'updatePasskey',
  tags,
  summary: 'Rename a passkey',
  security,
  middleware: [requireScope('keys:manage')] as const,
  request: { params: PasskeyParam, body: body(PasskeyUpdateSchema) },
  responses: { 200: json(PasskeySchema, 'The passkey'), ...common, 404: error('No such passkey') },
});

export const deletePasskeyRoute = createRoute({
  method: 'delete',
  path: '/passkeys/{id}',
  operationId: 'deletePasskey',
  tags,
  summary: 'Remove a passkey: it signs nobody in from now on',
  security,
  middleware: [requireScope('keys:manage')] as const,
  request: { params: PasskeyParam },
  responses: { 204: { description: 'Removed' }, ...common, 404: error('No such passkey') },
});

export const createPasskeySignInOptionsRoute = createRoute({
  method: 'post',
  path: '/passkeys/sign-in/options',
  operationId: 'createPasskeySignInOptions',
  tags,
  summary: 'Start signing in with a passkey',
  description:
    'WebAuthn request options for `navigator.credentials.get` (no allowCredentials: the passkey names its account) ' +
    'and the id of their single-use, five-minute challenge.',
  security: PUBLIC_SECURITY,
  responses: {
    200: json(PasskeyCeremonyOptionsSchema, 'Options for the browser'),
    ...RATE_LIMITED,
    ...disabled,
  },
});

export const signInWithPasskeyRoute = createRoute({
  method: 'post',
  path: '/passkeys/sign-in',
  operationId: 'signInWithPasskey',
  tags,
  summary: 'Sign in with a passkey: the browser’s answer to the options',
  description:
    'On success the session cookie is set, the same session a provider sign-in starts. Refused (401): a passkey ' +
    'that is not registered, whose user handle names another account, whose signature fails, or whose signature ' +
    'counter went backwards (a cloned authenticator); a disabled account.',
  security: PUBLIC_SECURITY,
  request: { body: body(PasskeyAuthenticationVerifySchema) },
  responses: {
    200: json(PasskeySignInSchema, 'Signed in'),
    400: error('Malformed answer, or an unknown, expired or used challenge'),
    401: error('The passkey was refused'),
    ...RATE_LIMITED,
    ...disabled,
  },
});
