import path from 'node:path';
import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';
import { ACCESS_TEST_AUDIENCE } from './test/global-setup-auth.ts';
import { OIDC_CLIENT } from './test/oidc-provider.ts';

const root = path.join(import.meta.dirname, '../..');

// Tests run inside workerd against real local D1, R2, KV, Queues and Durable Objects from wrangler.toml,
// with every migration applied before each file. Secrets get fixed test values here.
export default defineConfig({
  plugins: [
    cloudflareTest(async ({ inject }) => ({
      wrangler: { configPath: path.join(root, 'wrangler.toml') },
      // Every binding is local (Miniflare); nothing reaches a Cloudflare account. Vectorize and Workers AI have no
      // local implementation: the Workers AI adapter is tested against a stand-in of the binding's documented shapes.
      remoteBindings: false,
      miniflare: {
        bindings: {
          TEST_MIGRATIONS: await readD1Migrations(path.join(root, 'packages/database/migrations')),
          ENVIRONMENT: 'test',
          AUTH_MODE: 'authjs',
          AUTH_SECRET: 'test-auth-secret-0123456789abcdef0123456789',
          API_HASH_SECRET: 'test-api-hash-secret-0123456789abcdef012345',
          ENCRYPTION_KEY: 'test-encryption-key-0123456789abcdef0123456',
          // Encryption at rest's root key: 32 bytes, base64 (a fixed test value).
          ENCRYPTION_ROOT_KEY: 'dGVzdC1yb290LWtleS0wMTIzNDU2Nzg5YWJjZGVmMDE=',
          // The SSRF guard is on in tests; loopback delivery tests enable private targets explicitly.
          ALLOW_PRIVATE_WEBHOOK_TARGETS: 'false',
          PUBLIC_API_URL: 'http://localhost:8787',
          PUBLIC_DASHBOARD_URL: 'http://localhost:5173',
          // Identity servers started by test/global-setup-auth.ts on loopback.
          OIDC_ISSUER: inject('oidcIssuer'),
          OIDC_CLIENT_ID: OIDC_CLIENT.id,
          OIDC_CLIENT_SECRET: OIDC_CLIENT.secret,
          OIDC_PROVIDER_NAME: 'Test OP',
          ACCESS_TEAM_DOMAIN: inject('accessTeamDomain'),
          ACCESS_AUD: ACCESS_TEST_AUDIENCE,
          // Seals S3 backup credentials; the real S3 server is started by test/global-setup-s3.ts on loopback.
          BACKUP_ENCRYPTION_KEY: 'test-backup-key-0123456789abcdef0123456789',
          // The backups queue is consumed in the background against the loopback S3 server; the SSRF refusal of
          // private endpoints is tested with this switched off (routes/backup/backup.test.ts).
          ALLOW_PRIVATE_BACKUP_TARGETS: 'true',
          S3_TEST_ENDPOINT: inject('s3Endpoint'),
          S3_TEST_ACCESS_KEY_ID: inject('s3AccessKeyId'),
          S3_TEST_SECRET_ACCESS_KEY: inject('s3SecretAccessKey'),
          // AI_ENGINE off, whatever .dev.vars says (setup writes AI_ENGINE=local there for `npm start`): the
          // analysis tests turn the local engine on for their own calls.
          AI_ENGINE: 'off',
          AI_LOCAL_URL: inject('aiLocalUrl'),
        },
      },
    })),
  ],
  test: {
    setupFiles: ['./test/setup.ts'],
    globalSetup: [
      './test/global-setup-webhooks.ts',
      './test/global-setup-auth.ts',
      './test/global-setup-turnstile.ts',
      './test/global-setup-stripe.ts',
      './test/cloudflare-stand-in.ts',
      './test/global-setup-s3.ts',
      './test/global-setup-analytics-sql.ts',
      './test/global-setup-offline-decrypt.ts',
      './test/global-setup-remote-images.ts',
      './test/global-setup-ai-local.ts',
    ],
    // Request logs are JSON lines; show them only for failing tests.
    silent: 'passed-only',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // A ceiling for a hung test, not a speed requirement: no test sets its own. Sized far beyond a loaded 2-core
    // machine (workerd starts per file, background queue jobs render images, large uploads stream). A test that
    // waits for something polls a condition (test/wait-for.ts), whose allowance stays well inside this.
    testTimeout: 300_000,
    hookTimeout: 300_000,
  },
});
