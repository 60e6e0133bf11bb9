import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiVars, settingsFromEnv } from '../src/deploy.ts';
import { deployConfigText } from '../src/resources.ts';
import { REPO_ROOT } from '../src/wrangler.ts';
import { startCloudflareApiStandIn, type CloudflareApiStandIn } from './cloudflare-api-stand-in.ts';
import { runCli } from './run.ts';

let standIn: CloudflareApiStandIn;
let dir: string;
let config: string;

beforeEach(async () => {
  standIn = await startCloudflareApiStandIn();
  dir = mkdtempSync(join(tmpdir(), 'deploy-test-'));
  // The deploy configuration `pnpm provision` writes (provision.test.ts covers how it gets its ids).
  config = join(dir, 'wrangler.production.toml');
  const ids = {
    d1: { DB: '6f1c3b7e-0000-4000-8000-000000000001' },
    kv: { KV: '0123456789abcdef0123456789abcdef' },
  };
  writeFileSync(config, deployConfigText(join(REPO_ROOT, 'wrangler.toml'), config, ids));
});

afterEach(async () => {
  await standIn.close();
  rmSync(dir, { recursive: true, force: true });
});

const changes = () => standIn.requests.filter((request) => request.method !== 'GET');
const HOST = { PUBLIC_HOSTNAME: 'images.example.com' };
const WORKER_SECRETS = [
  'AUTH_SECRET',
  'API_HASH_SECRET',
  'OIDC_ISSUER',
  'OIDC_CLIENT_ID',
  'OIDC_CLIENT_SECRET',
];
const STRIPE = {
  STRIPE_ENABLED: 'true',
  STRIPE_PRICE_STARTER: 'price_1StarterTest',
  STRIPE_PRICE_PRO: 'price_1ProTest',
};
// Shaped like Stripe's, and never to be seen in any output.
const STRIPE_SECRET_VALUE = 'sk_live_deploytest_0123456789abcdef';
const STRIPE_WEBHOOK_VALUE = 'whsec_deploytest_fedcba9876543210';

describe('pnpm run deploy: the check before anything is deployed', () => {
  it('names each missing secret and setting, and changes nothing', async () => {
    standIn.state.secrets.set('pixelflare', ['AUTH_SECRET', 'GITHUB_OAUTH_CLIENT_ID']);
    const result = await runCli('deploy', ['--config', config], standIn, { PUBLIC_HOSTNAME: '' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('nothing was deployed');
    expect(result.stderr).toContain('API_HASH_SECRET is not set');
    expect(result.stderr).toContain('GITHUB_OAUTH_CLIENT_SECRET is not set (GITHUB_OAUTH_CLIENT_ID is)');
    expect(result.stderr).toContain('PUBLIC_HOSTNAME is not set');
    expect(result.stderr).not.toContain('AUTH_SECRET is not set');
    expect(standIn.requests).toContainEqual({
      method: 'GET',
      path: `/client/v4/accounts/${standIn.accountId}/workers/scripts/pixelflare/secrets`,
    });
    expect(changes()).toEqual([]);
  });

  it('treats a Worker that was never deployed as having no secrets', async () => {
    const result = await runCli('deploy', ['--config', config], standIn, HOST);
    expect(result.code).toBe(1);
    for (const name of ['AUTH_SECRET', 'API_HASH_SECRET'])
      expect(result.stderr).toContain(`${name} is not set`);
    expect(result.stderr).toContain('no sign-in provider');
    expect(result.stderr).toContain(`wrangler secret put NAME --config`);
    expect(changes()).toEqual([]);
  });

  it('stops at the first failing step: a failed migration deploys no Worker', async () => {
    standIn.state.secrets.set('pixelflare', [
      'AUTH_SECRET',
      'API_HASH_SECRET',
      'OIDC_ISSUER',
      'OIDC_CLIENT_ID',
      'OIDC_CLIENT_SECRET',
    ]);
    standIn.failures.push({
      method: '*',
      path: /^\/d1\/database\//,
      status: 503,
      code: 7500,
      message: 'D1 is unavailable',
    });
    const result = await runCli('deploy', ['--config', config], standIn, HOST);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('✔ settings');
    expect(result.stderr).toContain('D1 migrations (remote) failed');
    expect(result.stderr).toContain('D1 is unavailable');
    expect(result.stderr).toContain('Not run: API Worker; dashboard build; dashboard Worker; gateway Worker');
    expect(standIn.requests.some((request) => request.path.includes('/d1/database/'))).toBe(true);
    expect(
      standIn.requests.filter(
        (request) => request.path.includes('/workers/scripts/') && request.method !== 'GET',
      ),
    ).toEqual([]);
  });

  it('defaults APP_VERSION and APP_COMMIT to git describe and the checked-out commit', () => {
    const git = (args: string[]) => execFileSync('git', args, { cwd: REPO_ROOT }).toString().trim();
    const settings = settingsFromEnv({ PUBLIC_HOSTNAME: 'images.example.com' });
    expect(settings.appCommit).toBe(git(['rev-parse', 'HEAD']));
    expect(settings.appVersion).toBe(git(['describe', '--tags', '--always', '--dirty']));
    // In a workflow, GITHUB_SHA names the commit; APP_VERSION/APP_COMMIT override both.
    expect(settingsFromEnv({ GITHUB_SHA: 'f'.repeat(40) }).appCommit).toBe('f'.repeat(40));
    expect(apiVars(settingsFromEnv({ APP_VERSION: 'v1.2.3', APP_COMMIT: 'abc' }))).toEqual(
      expect.arrayContaining(['APP_VERSION:v1.2.3', 'APP_COMMIT:abc']),
    );
  });

  it('refuses a secret written into [vars], naming it', async () => {
    writeFileSync(
      config,
      `${readFileSync(config, 'utf8')}`.replace('[vars]', '[vars]\nTURNSTILE_SECRET_KEY = "oops"'),
    );
    standIn.state.secrets.set('pixelflare', [
      'AUTH_SECRET',
      'API_HASH_SECRET',
      'OIDC_ISSUER',
      'OIDC_CLIENT_ID',
      'OIDC_CLIENT_SECRET',
    ]);
    const result = await runCli('deploy', ['--config', config], standIn, HOST);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('TURNSTILE_SECRET_KEY is a secret: remove it from [vars]');
    expect(changes()).toEqual([]);
  });

  it('names what half a Stripe configuration lacks, and changes nothing', async () => {
    standIn.state.secrets.set('pixelflare', [...WORKER_SECRETS]);
    const result = await runCli('deploy', ['--config', config], standIn, {
      ...HOST,
      STRIPE_ENABLED: 'true',
      STRIPE_PRICE_STARTER: 'price_starter_live',
      STRIPE_SECRET_KEY: STRIPE_SECRET_VALUE,
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('STRIPE_WEBHOOK_SECRET is not set (STRIPE_ENABLED=true');
    expect(result.stderr).toContain('STRIPE_PRICE_PRO is not set (STRIPE_ENABLED=true');
    expect(result.stderr).not.toContain('STRIPE_SECRET_KEY is not set');
    expect(result.stdout + result.stderr).not.toContain(STRIPE_SECRET_VALUE);
    expect(changes()).toEqual([]);
    expect(standIn.state.secretValues.size).toBe(0);

    const typo = await runCli('deploy', ['--config', config], standIn, { ...HOST, STRIPE_ENABLED: 'yes' });
    expect(typo.code).toBe(1);
    expect(typo.stderr).toContain('STRIPE_ENABLED is "yes": it must be true or false');
    expect(changes()).toEqual([]);
  });

  it('puts the Stripe secrets it is given on the API Worker before anything else, never printing them', async () => {
    standIn.state.secrets.set('pixelflare', [...WORKER_SECRETS]);
    // The migrations fail, so nothing is deployed after the secrets (the step order is what is checked).
    standIn.failures.push({
      method: '*',
      path: /^\/d1\/database\//,
      status: 503,
      code: 7500,
      message: 'D1 is unavailable',
    });
    const result = await runCli('deploy', ['--config', config], standIn, {
      ...HOST,
      ...STRIPE,
      STRIPE_SECRET_KEY: STRIPE_SECRET_VALUE,
      STRIPE_WEBHOOK_SECRET: STRIPE_WEBHOOK_VALUE,
    });
    expect(result.stderr).toContain('D1 migrations (remote) failed');
    expect(result.stdout).toContain('✔ settings');
    expect(result.stdout).toContain('API Worker secret STRIPE_SECRET_KEY');
    expect(result.stdout).toContain('wrangler secret put STRIPE_WEBHOOK_SECRET');
    expect(standIn.state.secretValues.get('pixelflare/STRIPE_SECRET_KEY')).toBe(STRIPE_SECRET_VALUE);
    expect(standIn.state.secretValues.get('pixelflare/STRIPE_WEBHOOK_SECRET')).toBe(STRIPE_WEBHOOK_VALUE);
    for (const value of [STRIPE_SECRET_VALUE, STRIPE_WEBHOOK_VALUE])
      expect(result.stdout + result.stderr).not.toContain(value);
    expect(result.stderr).toContain('Not run: API Worker; dashboard build; dashboard Worker; gateway Worker');
  });

  it('refuses to deploy without the generated configuration', async () => {
    const result = await runCli('deploy', ['--config', join(dir, 'wrangler.staging.toml')], standIn, HOST);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('run pnpm provision');
    expect(standIn.requests).toEqual([]);
  });
});

describe('pnpm run deploy --dry-run', () => {
  it('builds all three Workers and prints the plan, with no account', async () => {
    const outdir = join(dir, 'out');
    // No credentials, and an API address where nothing listens: a dry run must not need either.
    const result = await runCli('deploy', ['--dry-run', '--outdir', outdir], undefined, {
      CLOUDFLARE_API_BASE_URL: 'http://127.0.0.1:9/client/v4',
      PUBLIC_HOSTNAME: '',
      APP_VERSION: 'v9.8.7-test',
      APP_COMMIT: '0123456789abcdef0123456789abcdef01234567',
      TURNSTILE_SITE_KEY: '0x4AAAAAAAsite-key-test',
      ...STRIPE,
      STRIPE_SECRET_KEY: STRIPE_SECRET_VALUE,
      STRIPE_WEBHOOK_SECRET: STRIPE_WEBHOOK_VALUE,
    });
    expect(result.stderr).not.toContain('[ERROR]');
    expect(result.code).toBe(0);
    const plan = [
      "check the API Worker's secrets",
      'API Worker secret STRIPE_SECRET_KEY: wrangler secret put STRIPE_SECRET_KEY',
      'API Worker secret STRIPE_WEBHOOK_SECRET: wrangler secret put STRIPE_WEBHOOK_SECRET',
      'D1 migrations (remote): wrangler d1 migrations apply DB --remote',
      'API Worker: wrangler deploy',
      'dashboard build',
      'dashboard Worker',
      'gateway Worker',
    ];
    let at = 0;
    for (const step of plan) {
      const found = result.stdout.indexOf(step, at);
      expect(found, step).toBeGreaterThan(at - 1);
      at = found;
    }
    expect(existsSync(join(outdir, 'api/index.js'))).toBe(true);
    expect(existsSync(join(outdir, 'dashboard/_worker.js'))).toBe(true);
    expect(existsSync(join(outdir, 'gateway/index.js'))).toBe(true);
    // The API Worker is deployed with the release and commit GET /v1/status reports, and the Turnstile site key.
    const apiStep =
      result.stdout.split('\n').find((line) => line.includes('API Worker: wrangler deploy')) ?? '';
    expect(apiStep).toContain('--var APP_VERSION:v9.8.7-test');
    expect(apiStep).toContain('--var APP_COMMIT:0123456789abcdef0123456789abcdef01234567');
    expect(apiStep).toContain('--var TURNSTILE_SITE_KEY:0x4AAAAAAAsite-key-test');
    // Stripe: the switch and price ids are plain --var values; its two secrets are never part of any output.
    expect(apiStep).toContain(
      '--var STRIPE_ENABLED:true --var STRIPE_PRICE_STARTER:price_1StarterTest --var STRIPE_PRICE_PRO:price_1ProTest',
    );
    for (const value of [STRIPE_SECRET_VALUE, STRIPE_WEBHOOK_VALUE])
      expect(result.stdout + result.stderr).not.toContain(value);
    expect(result.stdout).toMatch(/env\.STRIPE_ENABLED \("\(hidden\)"\)\s+Environment Variable/);
    // wrangler's own dry run lists them among the bundle's bindings (values hidden, as for every --var): they reached it.
    expect(result.stdout).toMatch(/env\.APP_VERSION \("\(hidden\)"\)\s+Environment Variable/);
    expect(result.stdout).toMatch(/env\.APP_COMMIT \("\(hidden\)"\)\s+Environment Variable/);
    // The gateway is bundled with the service bindings it will have when deployed.
    expect(result.stdout).toMatch(/env\.API \(pixelflare\)/);
    expect(result.stdout).toMatch(/env\.DASHBOARD \(pixelflare-dashboard\)/);
  }, 600_000);

  it('refuses half a Stripe configuration before building anything', async () => {
    const outdir = join(dir, 'out');
    const result = await runCli('deploy', ['--dry-run', '--outdir', outdir], undefined, {
      CLOUDFLARE_API_BASE_URL: 'http://127.0.0.1:9/client/v4',
      STRIPE_PRICE_STARTER: 'price_1StarterTest',
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('nothing was built');
    expect(result.stderr).toContain('STRIPE_PRICE_PRO is not set (STRIPE_PRICE_STARTER is)');
    expect(result.stderr).toContain('STRIPE_SECRET_KEY is not set (STRIPE_PRICE_STARTER is)');
    expect(existsSync(outdir)).toBe(false);
  });
});
