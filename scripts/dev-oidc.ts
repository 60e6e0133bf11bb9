// A local OpenID Connect provider for trying AUTH_MODE=authjs without an account anywhere: the same provider the
// API's tests use (packages/api/test/oidc-provider.ts). It signs in `jane` with no form (`login_hint=taken` picks
// the other test account). Usage: `pnpm dev:oidc`, then put the printed lines into .dev.vars and restart npm start.
import { OIDC_CLIENT, startOidcProvider } from '../packages/api/test/oidc-provider.ts';

const port = Number(process.env.OIDC_PORT ?? 9000);
const origins = (process.env.OIDC_REDIRECT_ORIGINS ?? 'http://localhost:8787,http://localhost:5173').split(
  ',',
);
const provider = await startOidcProvider({
  port,
  redirectUris: origins.map((origin) => `${origin.trim()}/auth/callback/oidc`),
});
console.log(`OpenID provider on ${provider.issuer}. For .dev.vars:

AUTH_MODE=authjs
OIDC_ISSUER=${provider.issuer}
OIDC_CLIENT_ID=${OIDC_CLIENT.id}
OIDC_CLIENT_SECRET=${OIDC_CLIENT.secret}
OIDC_PROVIDER_NAME=Local OpenID provider
`);
