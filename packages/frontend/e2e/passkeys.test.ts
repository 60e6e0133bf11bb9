// Passkeys end to end in Chromium: AUTH_MODE=authjs with REQUIRE_PASSKEY_FOR_ADMINS, a real OpenID provider for
// the provider sign-ins, and Chromium's own virtual authenticator (the DevTools protocol's WebAuthn domain: a
// platform authenticator with resident keys and user verification) for every passkey ceremony.
import type { CDPSession } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OIDC_CLIENT, startOidcProvider, type RunningProvider } from '../../api/test/oidc-provider';
import { openBrowser, type Browser } from './browser';
import { freePort, startStack, type RunningStack } from './stack';

let provider: RunningProvider | undefined;
let stack: RunningStack | undefined;
let browser: Browser;
let cdp: CDPSession;
let authenticatorId = '';

/** A credential as the WebAuthn domain reports it (binary fields base64). */
interface VirtualCredential {
  credentialId: string;
  isResidentCredential: boolean;
  rpId: string;
  privateKey: string;
  userHandle: string;
  signCount: number;
}

beforeAll(async () => {
  const apiPort = await freePort();
  provider = await startOidcProvider({
    port: 0,
    redirectUris: [`http://localhost:${apiPort}/auth/callback/oidc`],
  });
  stack = await startStack({
    host: 'localhost',
    apiPort,
    seed: false,
    vars: {
      AUTH_MODE: 'authjs',
      OIDC_ISSUER: provider.issuer,
      OIDC_CLIENT_ID: OIDC_CLIENT.id,
      OIDC_CLIENT_SECRET: OIDC_CLIENT.secret,
      OIDC_PROVIDER_NAME: 'Example ID',
      REQUIRE_PASSKEY_FOR_ADMINS: 'true',
      // The journey signs in a dozen times within a minute from one address: on a fast machine that is past the
      // anonymous per-IP limit (a 429 "Too many requests"), which is the rate limiter's own test, not this one's.
      RATE_LIMIT_ENABLED: 'false',
    },
  });
  browser = await openBrowser(stack.dashboardUrl);
  cdp = await browser.context.newCDPSession(browser.page);
  await cdp.send('WebAuthn.enable', { enableUI: false });
  ({ authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  }));
});
afterAll(async () => {
  await browser?.close();
  stack?.stop();
  await provider?.close();
});

interface SessionAnswer {
  authenticated: boolean;
  user: { id: string; slug: string; is_admin: boolean } | null;
}
const session = () =>
  browser.page.evaluate(() => fetch('/auth/session').then((r) => r.json())) as Promise<SessionAnswer>;
/** What the admin console's API answers this browser's session: its status and error code. */
const adminConsole = () =>
  browser.page.evaluate(async () => {
    const response = await fetch('/v1/admin/users');
    const body = (await response.json()) as { error?: { code: string } };
    return { status: response.status, code: body.error?.code ?? null };
  });

const credentials = async () =>
  (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials as VirtualCredential[];

/** Puts exactly these credentials in the authenticator (a clone, a tampered one, or the genuine one back). */
async function holdOnly(...list: VirtualCredential[]) {
  await cdp.send('WebAuthn.clearCredentials', { authenticatorId });
  for (const credential of list) await cdp.send('WebAuthn.addCredential', { authenticatorId, credential });
}

async function signOut() {
  const { page } = browser;
  await page.getByTestId('signed-in-as').click();
  await page.getByTestId('sign-out').click();
  await page.waitForURL((url) => url.pathname === '/sign-in');
  await page.getByTestId('sign-in-link').waitFor();
}

/** The provider button; `login` picks who the test provider signs in (its login_hint), jane by default. */
async function signInWithProvider(login?: string) {
  const { page } = browser;
  await browser.visit('/sign-in');
  const button = page.getByTestId('sign-in-oidc');
  await expect.poll(() => button.isEnabled()).toBe(true);
  if (login) {
    await page.evaluate((hint) => {
      const form = document.querySelector<HTMLFormElement>('form[action="/auth/signin/oidc"]');
      // prompt=login: the provider still has jane's session, and would otherwise sign her in again.
      if (form) form.action = `/auth/signin/oidc?login_hint=${hint}&prompt=login`;
    }, login);
  }
  await button.click();
  await page.waitForURL(
    (url) => url.origin === stack!.dashboardUrl && ['/', '/sign-in'].includes(url.pathname),
  );
  await page.locator('html[data-hydrated]').waitFor({ state: 'attached' });
}

async function signInWithPasskey() {
  const { page } = browser;
  await browser.visit('/sign-in');
  await page.getByTestId('sign-in-passkey').click();
}

async function expectSignedInAs(slug: string) {
  const { page } = browser;
  await page.waitForURL((url) => url.pathname === '/');
  await page.getByTestId('signed-in-as').waitFor();
  expect(await page.getByTestId('signed-in-as').textContent()).toBe(slug);
}

async function expectPasskeyRefused(message: RegExp) {
  const error = browser.page.getByTestId('passkey-sign-in-error');
  await error.waitFor();
  expect(await error.textContent()).toMatch(message);
  expect(await session()).toMatchObject({ authenticated: false });
}

let genuine: VirtualCredential;

describe('passkeys in Chromium (virtual authenticator)', () => {
  it('an admin signed in with a provider has no admin powers until they add a passkey in Settings', async () => {
    const { page } = browser;
    await signInWithProvider();
    await expectSignedInAs('jane-doe');
    expect(await session()).toMatchObject({ user: { is_admin: true } });
    expect(await adminConsole()).toEqual({ status: 403, code: 'PASSKEY_REQUIRED' });

    await browser.visit('/settings');
    const section = page.getByTestId('passkeys');
    await section.getByTestId('passkeys-empty').waitFor();
    await section.getByTestId('passkey-name').fill('Test laptop');
    await section.getByTestId('passkey-add').click();
    await section.getByTestId('passkey-row').waitFor();
    expect(await section.getByTestId('passkey-message').textContent()).toBe('Passkey “Test laptop” added.');
    expect(await section.getByTestId('passkey-row-name').textContent()).toBe('Test laptop');
    expect(await section.getByTestId('passkey-last-used').textContent()).toMatch(/Never/);

    const held = await credentials();
    expect(held).toHaveLength(1);
    expect(held[0]).toMatchObject({ isResidentCredential: true, rpId: 'localhost' });
    genuine = held[0]!;
  });

  it('the admin with a passkey is refused at the provider, then signs in with the passkey and is an admin', async () => {
    const { page } = browser;
    await signOut();
    await signInWithProvider();
    const refusal = page.getByTestId('sign-in-error');
    await refusal.waitFor();
    expect(await refusal.textContent()).toMatch(/Administrators must sign in with a passkey/);
    expect(await session()).toMatchObject({ authenticated: false });

    await signInWithPasskey();
    await expectSignedInAs('jane-doe');
    expect(await adminConsole()).toEqual({ status: 200, code: null });

    await browser.visit('/settings');
    const section = page.getByTestId('passkeys');
    await section.getByTestId('passkey-row').waitFor();
    expect(await section.getByTestId('passkey-last-used').textContent()).not.toMatch(/Never/);
    await browser.screenshots('settings-passkeys', section);

    page.once('dialog', (dialog) => void dialog.accept('Work laptop'));
    await section.getByRole('button', { name: 'Rename Test laptop' }).click();
    await expect.poll(() => section.getByTestId('passkey-row-name').textContent()).toBe('Work laptop');
    genuine = (await credentials())[0]!;
    expect(genuine.signCount).toBeGreaterThan(0);
  });

  it('refuses a cloned authenticator whose signature counter is behind, and still accepts the genuine one', async () => {
    await signOut();
    // A copy of the key taken before the genuine authenticator signed in: its counter starts over.
    await holdOnly({ ...genuine, signCount: 0 });
    await signInWithPasskey();
    await expectPasskeyRefused(/signature counter went backwards.*cloned/);

    await holdOnly({ ...genuine, signCount: genuine.signCount + 10 });
    await signInWithPasskey();
    await expectSignedInAs('jane-doe');
  });

  it("never signs another user in with jane's credential, and a removed passkey signs nobody in", async () => {
    const { page } = browser;
    await signOut();
    // A second person (the provider's "taken" account) gets an account; the authenticator then claims jane's
    // credential for them (their user handle on jane's key).
    await signInWithProvider('taken');
    const other = await session();
    expect(other.user).toMatchObject({ is_admin: false });
    expect(other.user?.slug).not.toBe('jane-doe');
    await signOut();
    const current = (await credentials())[0]!;
    await holdOnly({ ...current, userHandle: Buffer.from(other.user!.id).toString('base64') });
    await signInWithPasskey();
    await expectPasskeyRefused(/refused/);

    await holdOnly({ ...current, signCount: current.signCount + 10 });
    await signInWithPasskey();
    await expectSignedInAs('jane-doe');
    await browser.visit('/settings');
    const section = page.getByTestId('passkeys');
    await section.getByTestId('passkey-row').waitFor();
    page.once('dialog', (dialog) => void dialog.accept());
    await section.getByRole('button', { name: 'Remove Work laptop' }).click();
    await section.getByTestId('passkeys-empty').waitFor();

    await signOut();
    await signInWithPasskey();
    await expectPasskeyRefused(/not registered here/);
  });
});
