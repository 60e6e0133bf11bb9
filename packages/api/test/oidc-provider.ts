import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

/** People the test OpenID provider knows. `login_hint=<id>` on the sign-in request picks who signs in. */
export const OIDC_ACCOUNTS: Record<string, Record<string, unknown>> = {
  jane: {
    sub: 'oidc-jane-0001',
    email: 'jane.doe@example.test',
    email_verified: true,
    name: 'Jane Doe',
    preferred_username: 'Jane.Doe',
  },
  // Wants a slug someone else already has, and an email that is not verified.
  taken: {
    sub: 'oidc-taken-0002',
    email: 'alice@elsewhere.test',
    email_verified: false,
    name: 'Another Alice',
    preferred_username: 'alice',
  },
};

export const OIDC_CLIENT = { id: 'pixelflare-test', secret: 'pixelflare-test-client-secret' };

export interface RunningProvider {
  issuer: string;
  close(): Promise<void>;
}

/**
 * A real OpenID Connect provider (`oidc-provider`) on loopback, for sign-in tests and local trials. There is no
 * login form: the interaction signs in the account named by `login_hint` (default `jane`) and grants consent.
 * Listens first, so the issuer URL carries the real port (`port: 0` picks a free one).
 */
export async function startOidcProvider(options: {
  port: number;
  redirectUris: string[];
}): Promise<RunningProvider> {
  const ready: { provider?: Provider } = {};
  const server = createServer((req, res) => {
    const { provider } = ready;
    if (!provider) return void res.writeHead(503).end();
    if (req.url?.startsWith('/interaction/')) return void interact(provider, req, res);
    provider.callback()(req, res);
  });
  await new Promise<void>((resolve) => server.listen(options.port, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  ready.provider = new Provider(issuer, {
    clients: [
      {
        client_id: OIDC_CLIENT.id,
        client_secret: OIDC_CLIENT.secret,
        redirect_uris: options.redirectUris,
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'preferred_username'] },
    findAccount: (_ctx: unknown, id: string) => {
      const claims = OIDC_ACCOUNTS[id];
      return claims ? { accountId: id, claims: () => claims as { sub: string } } : undefined;
    },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    cookies: { keys: ['pixelflare-test-op-cookie-key'] },
    pkce: { required: () => true },
  });
  return { issuer, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

async function interact(provider: Provider, req: IncomingMessage, res: ServerResponse) {
  try {
    const details = await provider.interactionDetails(req, res);
    if (details.prompt.name === 'login') {
      const hint = typeof details.params.login_hint === 'string' ? details.params.login_hint : 'jane';
      await provider.interactionFinished(
        req,
        res,
        { login: { accountId: hint } },
        { mergeWithLastSubmission: false },
      );
      return;
    }
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({
          accountId: details.session?.accountId,
          clientId: String(details.params.client_id),
        });
    if (!grant) throw new Error('grant not found');
    const missing = details.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[] };
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    await provider.interactionFinished(
      req,
      res,
      { consent: { grantId: await grant.save() } },
      { mergeWithLastSubmission: true },
    );
  } catch (error) {
    res.writeHead(500).end(String(error));
  }
}
