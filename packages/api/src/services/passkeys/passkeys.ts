import { PASSKEY_LIMITS } from '@pixelflare/config';
import { passkeyChallenges, passkeys, users, type Database } from '@pixelflare/database';
import type { PasskeyCeremonyOptions, PasskeyResource } from '@pixelflare/shared';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type AuthenticatorTransport,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { and, count, eq, isNull, lt } from 'drizzle-orm';
import { fromBase64Url, toBase64Url } from '../../lib/crypto';
import { AppError, notFound } from '../../lib/errors';
import type { EnvVars } from '../../lib/env';
import { newId } from '../../lib/ids';
import { listOwned } from '../../lib/owned';

type PasskeyRow = typeof passkeys.$inferSelect;

/** Where passkeys are bound: the relying party id and the page origins allowed to run a ceremony. */
export interface RelyingParty {
  id: string;
  name: string;
  origins: string[];
}

/**
 * The relying party from configuration: the dashboard runs the ceremonies, so its host name is the RP id (unless
 * PASSKEY_RP_ID names a parent domain) and its origin is expected; the API's own origin too (same-host setups).
 */
export function relyingParty(config: EnvVars): RelyingParty {
  const dashboard = config.PUBLIC_DASHBOARD_URL ? new URL(config.PUBLIC_DASHBOARD_URL) : null;
  const api = new URL(config.PUBLIC_API_URL);
  const origins = [...new Set([dashboard?.origin, api.origin].filter((o): o is string => !!o))];
  return { id: config.PASSKEY_RP_ID ?? (dashboard ?? api).hostname, name: config.PASSKEY_RP_NAME, origins };
}

const unavailable = () =>
  new AppError(
    404,
    'FEATURE_DISABLED',
    'Passkeys are only available when people sign in with AUTH_MODE=authjs',
  );

export function requirePasskeysEnabled(config: EnvVars) {
  if (config.AUTH_MODE !== 'authjs') throw unavailable();
}

const transportsOf = (row: PasskeyRow) => row.transports as AuthenticatorTransport[];

export function toPasskeyResource(row: PasskeyRow): PasskeyResource {
  return {
    id: row.id,
    name: row.name,
    device_type: row.deviceType === 'multiDevice' ? 'multiDevice' : 'singleDevice',
    backed_up: row.backedUp,
    transports: row.transports,
    created_at: row.createdAt.toISOString(),
    last_used_at: row.lastUsedAt?.toISOString() ?? null,
  };
}

async function storeChallenge(
  db: Database,
  purpose: 'registration' | 'authentication',
  userId: string | null,
  challenge: string,
  now: number,
): Promise<string> {
  // Unanswered challenges are swept as new ones are handed out (the expiry index keeps this cheap).
  await db.delete(passkeyChallenges).where(lt(passkeyChallenges.expiresAt, new Date(now)));
  const id = newId('pkc', now);
  await db.insert(passkeyChallenges).values({
    id,
    purpose,
    userId,
    challenge,
    expiresAt: new Date(now + PASSKEY_LIMITS.challengeTtlMs),
  });
  return id;
}

/**
 * Takes a challenge out of the store: deleted as it is read, so it answers exactly one verification (a replayed or
 * raced answer finds nothing). Expired, unknown, another user's or another ceremony's challenges are refused.
 */
async function consumeChallenge(
  db: Database,
  purpose: 'registration' | 'authentication',
  userId: string | null,
  id: string,
  now: number,
): Promise<string> {
  const row = await db
    .delete(passkeyChallenges)
    .where(
      and(
        eq(passkeyChallenges.id, id),
        eq(passkeyChallenges.purpose, purpose),
        userId === null ? isNull(passkeyChallenges.userId) : eq(passkeyChallenges.userId, userId),
      ),
    )
    .returning()
    .get();
  if (!row || row.expiresAt.getTime() <= now) {
    throw new AppError(
      400,
      'BAD_REQUEST',
      'This passkey challenge is unknown, expired or already used: start again',
    );
  }
  return row.challenge;
}

/** The WebAuthn user handle of a user: their id's bytes (never shown; not personal data). */
const userHandle = (userId: string) => new Uint8Array(new TextEncoder().encode(userId));

export async function registrationOptions(
  db: Database,
  rp: RelyingParty,
  input: { userId: string; now: number },
): Promise<PasskeyCeremonyOptions> {
  const user = await db.select().from(users).where(eq(users.id, input.userId)).get();
  if (!user) throw notFound('User');
  const existing = await db.select().from(passkeys).where(eq(passkeys.ownerId, user.id)).all();
  if (existing.length >= PASSKEY_LIMITS.maxPerUser) {
    throw new AppError(
      409,
      'CONFLICT',
      `You already have ${PASSKEY_LIMITS.maxPerUser} passkeys: remove one first`,
    );
  }
  const options = await generateRegistrationOptions({
    rpName: rp.name,
    rpID: rp.id,
    userName: user.email ?? user.slug,
    userDisplayName: user.displayName ?? user.slug,
    userID: userHandle(user.id),
    attestationType: 'none',
    timeout: PASSKEY_LIMITS.ceremonyTimeoutMs,
    // The same authenticator twice would only be a second name for one device.
    excludeCredentials: existing.map((row) => ({ id: row.credentialId, transports: transportsOf(row) })),
    authenticatorSelection: { residentKey: 'required', userVerification: 'preferred' },
  });
  const challengeId = await storeChallenge(db, 'registration', user.id, options.challenge, input.now);
  return { challenge_id: challengeId, options: { ...options } };
}

const ceremonyFailed = (what: string, error: unknown) =>
  new AppError(
    400,
    'BAD_REQUEST',
    `The passkey ${what} could not be verified: ${error instanceof Error ? error.message : 'invalid answer'}`,
  );

export async function verifyRegistration(
  db: Database,
  rp: RelyingParty,
  input: {
    userId: string;
    challengeId: string;
    name: string;
    response: Record<string, unknown>;
    now: number;
  },
): Promise<PasskeyResource> {
  const expectedChallenge = await consumeChallenge(
    db,
    'registration',
    input.userId,
    input.challengeId,
    input.now,
  );
  let verified;
  try {
    verified = await verifyRegistrationResponse({
      response: input.response as unknown as RegistrationResponseJSON,
      expectedChallenge,
      expectedOrigin: rp.origins,
      expectedRPID: rp.id,
      requireUserVerification: false,
    });
  } catch (error) {
    throw ceremonyFailed('registration', error);
  }
  if (!verified.verified) throw ceremonyFailed('registration', null);
  const { credential, credentialDeviceType, credentialBackedUp } = verified.registrationInfo;
  const row = await db
    .insert(passkeys)
    .values({
      id: newId('pk', input.now),
      ownerId: input.userId,
      credentialId: credential.id,
      publicKey: toBase64Url(credential.publicKey),
      counter: credential.counter,
      transports: credential.transports ?? [],
      deviceType: credentialDeviceType,
      backedUp: credentialBackedUp,
      name: input.name,
      createdAt: new Date(input.now),
    })
    .onConflictDoNothing()
    .returning()
    .get();
  if (!row) throw new AppError(409, 'CONFLICT', 'This passkey is already registered');
  return toPasskeyResource(row);
}

export async function authenticationOptions(
  db: Database,
  rp: RelyingParty,
  now: number,
): Promise<PasskeyCeremonyOptions> {
  // No allowCredentials: a discoverable passkey says who it belongs to, so nobody types a name first.
  const options = await generateAuthenticationOptions({
    rpID: rp.id,
    userVerification: 'preferred',
    timeout: PASSKEY_LIMITS.ceremonyTimeoutMs,
  });
  const challengeId = await storeChallenge(db, 'authentication', null, options.challenge, now);
  return { challenge_id: challengeId, options: { ...options } };
}

export type PasskeySignInRefusal =
  'unknown_credential' | 'wrong_user' | 'counter_regression' | 'invalid' | 'disabled';

/** A refused passkey sign-in: the reason is for the audit log, the error for the person. */
export class PasskeySignInError extends AppError {
  constructor(
    readonly reason: PasskeySignInRefusal,
    message: string,
    readonly userId: string | null = null,
  ) {
    super(401, reason === 'counter_regression' ? 'PASSKEY_CLONED' : 'UNAUTHORIZED', message);
  }
}

/** The signature counter in an assertion's authenticator data (bytes 33–36, big-endian). */
function assertedCounter(response: AuthenticationResponseJSON): number | null {
  try {
    const data = fromBase64Url(response.response.authenticatorData);
    return data.length >= 37 ? new DataView(data.buffer, data.byteOffset).getUint32(33) : null;
  } catch {
    return null;
  }
}

/**
 * Verifies a sign-in with a passkey and returns whose it is. The credential is looked up by its id; the user
 * handle the authenticator returns must name the same user, and the signature must verify with the key stored at
 * registration, so a credential registered to one user never signs anyone else in. A signature counter that did
 * not move forward means two authenticators hold the same key (a clone): refused, and the stored counter is kept.
 */
export async function verifyAuthentication(
  db: Database,
  rp: RelyingParty,
  input: { challengeId: string; response: Record<string, unknown>; now: number },
): Promise<{ userId: string; passkeyId: string }> {
  const expectedChallenge = await consumeChallenge(db, 'authentication', null, input.challengeId, input.now);
  const response = input.response as unknown as AuthenticationResponseJSON;
  if (typeof response.id !== 'string' || typeof response.response?.authenticatorData !== 'string') {
    throw new AppError(
      400,
      'BAD_REQUEST',
      'The passkey answer is malformed: expected an AuthenticationResponseJSON',
    );
  }
  const row = await db.select().from(passkeys).where(eq(passkeys.credentialId, response.id)).get();
  if (!row) {
    throw new PasskeySignInError(
      'unknown_credential',
      'This passkey is not registered here (it may have been removed): sign in another way',
    );
  }
  const handle = response.response.userHandle;
  if (handle !== undefined && handle !== toBase64Url(userHandle(row.ownerId))) {
    throw new PasskeySignInError(
      'wrong_user',
      'This passkey does not belong to the account it names',
      row.ownerId,
    );
  }
  let verified;
  try {
    verified = await verifyAuthenticationResponse({
      response,
      expectedChallenge,
      expectedOrigin: rp.origins,
      expectedRPID: rp.id,
      credential: {
        id: row.credentialId,
        publicKey: new Uint8Array(fromBase64Url(row.publicKey)),
        counter: row.counter,
        transports: transportsOf(row),
      },
      requireUserVerification: false,
    });
  } catch (error) {
    const counter = assertedCounter(response);
    if (counter !== null && (counter > 0 || row.counter > 0) && counter <= row.counter) {
      throw new PasskeySignInError(
        'counter_regression',
        'This passkey was refused: its signature counter went backwards, which means a copy of it (a cloned ' +
          'authenticator) is in use. Sign in another way and remove this passkey in Settings',
        row.ownerId,
      );
    }
    throw new PasskeySignInError(
      'invalid',
      `The passkey sign-in could not be verified: ${error instanceof Error ? error.message : 'invalid answer'}`,
      row.ownerId,
    );
  }
  if (!verified.verified)
    throw new PasskeySignInError('invalid', 'The passkey signature is invalid', row.ownerId);
  const owner = await db
    .select({ disabledAt: users.disabledAt })
    .from(users)
    .where(eq(users.id, row.ownerId))
    .get();
  if (!owner || owner.disabledAt) {
    throw new PasskeySignInError('disabled', 'Sign-in was refused: this account is disabled', row.ownerId);
  }
  await db
    .update(passkeys)
    .set({
      counter: verified.authenticationInfo.newCounter,
      backedUp: verified.authenticationInfo.credentialBackedUp,
      lastUsedAt: new Date(input.now),
    })
    .where(eq(passkeys.id, row.id));
  return { userId: row.ownerId, passkeyId: row.id };
}

export async function listPasskeys(db: Database, ownerId: string): Promise<PasskeyResource[]> {
  return (await listOwned(db, passkeys, ownerId, 'oldest')).map(toPasskeyResource);
}

export async function renamePasskey(
  db: Database,
  ownerId: string,
  id: string,
  name: string,
): Promise<PasskeyResource> {
  const row = await db
    .update(passkeys)
    .set({ name })
    .where(and(eq(passkeys.id, id), eq(passkeys.ownerId, ownerId)))
    .returning()
    .get();
  if (!row) throw notFound('Passkey');
  return toPasskeyResource(row);
}

export async function deletePasskey(db: Database, ownerId: string, id: string): Promise<void> {
  const row = await db
    .delete(passkeys)
    .where(and(eq(passkeys.id, id), eq(passkeys.ownerId, ownerId)))
    .returning({ id: passkeys.id })
    .get();
  if (!row) throw notFound('Passkey');
}

/** How many passkeys a user has (the admin requirement refuses provider sign-in to admins who have one). */
export async function passkeyCount(db: Database, ownerId: string): Promise<number> {
  const row = await db.select({ n: count() }).from(passkeys).where(eq(passkeys.ownerId, ownerId)).get();
  return row?.n ?? 0;
}
