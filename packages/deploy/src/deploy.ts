/**
 * `pnpm run deploy [--env production|staging] [--config wrangler.<env>.toml] [--dry-run [--outdir DIR]]`
 *
 * (`pnpm deploy` is pnpm's own command for copying a workspace package, so the root script is reached with `run`.)
 *
 * In order, stopping at the first failure: checks that the API Worker's secrets and this deploy's settings are set,
 * naming each missing one, before anything changes; applies D1 migrations remotely; deploys the API Worker; builds
 * and deploys the dashboard; deploys the gateway (last: its service bindings name the other two).
 * Settings come from the environment: PUBLIC_HOSTNAME (required, e.g. images.example.com), CDN_HOSTNAME, AUTH_MODE
 * and TURNSTILE_SITE_KEY (optional); Stripe billing (optional): STRIPE_ENABLED, STRIPE_PRICE_STARTER and
 * STRIPE_PRICE_PRO as --var values, STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET put as the API Worker's secrets
 * (`wrangler secret put`, the value on stdin, never printed) when given; APP_VERSION and APP_COMMIT (what GET /v1/status reports) default to
 * `git describe --tags --always` and the checked-out commit (GITHUB_SHA in a workflow). --dry-run builds all three Workers with `wrangler deploy --dry-run` and prints the plan;
 * it needs no account.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { deployConfigPath } from './provision.ts';
import { readWranglerConfig } from './resources.ts';
import {
  DEPLOY_SECRETS,
  missingSettings,
  REQUIRED_SECRETS,
  SECRET_SETTINGS,
  stripeProblems,
} from './secrets.ts';
import { REPO_ROOT, runCommand, runWrangler, wranglerError, type CommandResult } from './wrangler.ts';

export class DeployError extends Error {}

const FRONTEND_DIR = join(REPO_ROOT, 'packages/frontend');
const GATEWAY_DIR = join(REPO_ROOT, 'packages/gateway');
/** Stands in for PUBLIC_HOSTNAME in a dry run, where nothing is reachable anyway. */
const DRY_RUN_HOSTNAME = 'pixelflare.example';

export interface Settings {
  publicHostname: string | undefined;
  cdnHostname: string | undefined;
  authMode: string | undefined;
  turnstileSiteKey: string | undefined;
  /** STRIPE_ENABLED: `true`, `false` or unset (as the API's schema reads it). */
  stripeEnabled: string | undefined;
  stripePriceStarter: string | undefined;
  stripePricePro: string | undefined;
  /** DEPLOY_SECRETS given in the environment, with their values: only ever written to wrangler's stdin. */
  secrets: Partial<Record<(typeof DEPLOY_SECRETS)[number], string>>;
  /** The release and commit deployed: GET /v1/status reports them. */
  appVersion: string;
  appCommit: string;
}

/** `git` in the repository, or undefined where there is none (a tarball of the source). */
function git(args: string[]): string | undefined {
  try {
    return execFileSync('git', args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
  } catch {
    return undefined;
  }
}

export function settingsFromEnv(env: NodeJS.ProcessEnv = process.env): Settings {
  const value = (name: string) => env[name]?.trim() || undefined;
  return {
    publicHostname: value('PUBLIC_HOSTNAME'),
    cdnHostname: value('CDN_HOSTNAME'),
    authMode: value('AUTH_MODE'),
    turnstileSiteKey: value('TURNSTILE_SITE_KEY'),
    stripeEnabled: value('STRIPE_ENABLED'),
    stripePriceStarter: value('STRIPE_PRICE_STARTER'),
    stripePricePro: value('STRIPE_PRICE_PRO'),
    secrets: Object.fromEntries(
      DEPLOY_SECRETS.flatMap((name) => (value(name) ? [[name, value(name)]] : [])),
    ) as Settings['secrets'],
    appVersion: value('APP_VERSION') ?? git(['describe', '--tags', '--always', '--dirty']) ?? 'dev',
    appCommit: value('APP_COMMIT') ?? value('GITHUB_SHA') ?? git(['rev-parse', 'HEAD']) ?? 'unknown',
  };
}

/** The --var flags each Worker is deployed with (plain values: no secret is ever one). */
export function apiVars(settings: Settings, hostname = DRY_RUN_HOSTNAME): string[] {
  const { publicHostname, cdnHostname, authMode, turnstileSiteKey } = settings;
  const { stripeEnabled, stripePriceStarter, stripePricePro } = settings;
  const origin = `https://${publicHostname ?? hostname}`;
  return [
    `PUBLIC_API_URL:${origin}`,
    `PUBLIC_DASHBOARD_URL:${origin}`,
    `APP_VERSION:${settings.appVersion}`,
    `APP_COMMIT:${settings.appCommit}`,
    ...(cdnHostname ? [`CDN_HOSTNAME:${cdnHostname}`] : []),
    ...(authMode ? [`AUTH_MODE:${authMode}`] : []),
    ...(turnstileSiteKey ? [`TURNSTILE_SITE_KEY:${turnstileSiteKey}`] : []),
    ...(stripeEnabled ? [`STRIPE_ENABLED:${stripeEnabled}`] : []),
    ...(stripePriceStarter ? [`STRIPE_PRICE_STARTER:${stripePriceStarter}`] : []),
    ...(stripePricePro ? [`STRIPE_PRICE_PRO:${stripePricePro}`] : []),
  ];
}

/** STRIPE_ENABLED from the deploy's environment, else the configuration's [vars]; a value the API refuses is named. */
function stripeSwitch(settings: Settings, vars: Record<string, string>): { on: boolean; problems: string[] } {
  const value = settings.stripeEnabled ?? vars.STRIPE_ENABLED;
  if (value === undefined || value === 'true' || value === 'false')
    return { on: value === 'true', problems: [] };
  return { on: false, problems: [`STRIPE_ENABLED is "${value}": it must be true or false`] };
}

/** Every name the API Worker will have a value for: `onWorker` (its secrets), [vars], --var values, DEPLOY_SECRETS given. */
function namesSet(settings: Settings, vars: Record<string, string>, onWorker: Iterable<string>): Set<string> {
  const set = new Set([...onWorker, ...Object.keys(vars), ...Object.keys(settings.secrets)]);
  for (const value of apiVars(settings, DRY_RUN_HOSTNAME)) set.add(value.slice(0, value.indexOf(':')));
  return set;
}

/** The Stripe secrets given to the deploy, each put on the API Worker before it is deployed. */
function secretSteps(configPath: string, settings: Settings): Step[] {
  const config = relative(REPO_ROOT, configPath);
  return DEPLOY_SECRETS.filter((name) => settings.secrets[name] !== undefined).map((name) => ({
    title: `API Worker secret ${name}`,
    shown: `wrangler secret put ${name} --config ${config} (the value from the environment, on stdin)`,
    run: () =>
      runWrangler(['secret', 'put', name, '--config', configPath], {
        input: settings.secrets[name],
        echo: true,
      }),
  }));
}

function gatewayArgs({ publicHostname, cdnHostname }: Settings, hostname: string): string[] {
  const host = publicHostname ?? hostname;
  const args = ['--var', `PUBLIC_HOSTNAME:${host}`, '--domain', host];
  if (cdnHostname) args.push('--var', `CDN_HOSTNAME:${cdnHostname}`, '--domain', cdnHostname);
  return args;
}

const varFlags = (vars: string[]) => vars.flatMap((value) => ['--var', value]);

interface Step {
  title: string;
  /** The command as a person would type it (printed; no secret is ever part of one). */
  shown: string;
  run: () => Promise<CommandResult>;
}

async function runSteps(steps: Step[]): Promise<void> {
  for (const [index, step] of steps.entries()) {
    console.log(`\n▸ ${index + 1}/${steps.length} ${step.title}\n  $ ${step.shown}`);
    const result = await step.run();
    if (result.code !== 0) {
      const skipped = steps.slice(index + 1).map((next) => next.title);
      throw new DeployError(
        `${step.title} failed: ${wranglerError(result)}` +
          (skipped.length > 0 ? `\nNot run: ${skipped.join('; ')}` : ''),
      );
    }
  }
}

/** Names of the API Worker's secrets; a Worker not deployed yet has none. */
async function secretNames(configPath: string): Promise<Set<string>> {
  const result = await runWrangler(['secret', 'list', '--format', 'json', '--config', configPath]);
  if (result.code !== 0) {
    if (/not found|does not exist/i.test(wranglerError(result))) return new Set();
    throw new DeployError(`could not list the API Worker's secrets: ${wranglerError(result)}`);
  }
  return new Set((JSON.parse(result.stdout) as { name: string }[]).map((secret) => secret.name));
}

/** Everything that must be in place before the first change, each missing piece named. */
async function checkSettings(configPath: string, settings: Settings): Promise<void> {
  const config = readWranglerConfig(configPath);
  const vars = (config.vars ?? {}) as Record<string, string>;
  const problems: string[] = [];
  if (!settings.publicHostname)
    problems.push('PUBLIC_HOSTNAME is not set (the public hostname, e.g. images.example.com)');
  const set = namesSet(settings, vars, await secretNames(configPath));
  const stripe = stripeSwitch(settings, vars);
  problems.push(...stripe.problems);
  problems.push(...missingSettings(set, settings.authMode ?? vars.AUTH_MODE ?? 'authjs', stripe.on));
  for (const name of SECRET_SETTINGS.filter((secret) => secret in vars)) {
    problems.push(`${name} is a secret: remove it from [vars] and set it with wrangler secret put`);
  }
  if (problems.length > 0) {
    throw new DeployError(
      `nothing was deployed; the API Worker ${config.name} needs:\n` +
        problems.map((problem) => `  - ${problem}`).join('\n') +
        `\nSet a secret with: wrangler secret put NAME --config ${relative(process.cwd(), configPath)}` +
        '\nSet PUBLIC_HOSTNAME, CDN_HOSTNAME and AUTH_MODE in the environment of the deploy.',
    );
  }
  console.log(
    `✔ settings: PUBLIC_HOSTNAME=${settings.publicHostname}; ${REQUIRED_SECRETS.join(', ')} and sign-in are set`,
  );
}

function deploySteps(configPath: string, settings: Settings): Step[] {
  const config = relative(REPO_ROOT, configPath);
  const api = varFlags(apiVars(settings, DRY_RUN_HOSTNAME));
  const gateway = gatewayArgs(settings, DRY_RUN_HOSTNAME);
  return [
    ...secretSteps(configPath, settings),
    {
      title: 'D1 migrations (remote)',
      shown: `wrangler d1 migrations apply DB --remote --config ${config}`,
      run: () =>
        runWrangler(['d1', 'migrations', 'apply', 'DB', '--remote', '--config', configPath], { echo: true }),
    },
    {
      title: 'API Worker',
      shown: `wrangler deploy --config ${config} ${api.join(' ')}`,
      run: () => runWrangler(['deploy', '--config', configPath, ...api], { echo: true }),
    },
    {
      title: 'dashboard build',
      shown: 'pnpm -C packages/frontend build',
      run: () => runCommand('pnpm', ['run', 'build'], { cwd: FRONTEND_DIR, echo: true }),
    },
    {
      title: 'dashboard Worker',
      shown: '(packages/frontend) wrangler deploy',
      run: () => runWrangler(['deploy'], { cwd: FRONTEND_DIR, echo: true }),
    },
    {
      title: 'gateway Worker',
      shown: `(packages/gateway) wrangler deploy ${gateway.join(' ')}`,
      run: () => runWrangler(['deploy', ...gateway], { cwd: GATEWAY_DIR, echo: true }),
    },
  ];
}

/** The same builds as a deploy, with `wrangler deploy --dry-run`: bundles and bindings are checked, nothing is sent. */
function dryRunSteps(configPath: string, settings: Settings, outDir: string): Step[] {
  const api = varFlags(apiVars(settings, DRY_RUN_HOSTNAME));
  const gateway = gatewayArgs(settings, DRY_RUN_HOSTNAME);
  const dry = (name: string) => ['--dry-run', '--outdir', join(outDir, name)];
  return [
    {
      title: 'API Worker (dry run)',
      shown: `wrangler deploy --dry-run --config ${relative(REPO_ROOT, configPath)}`,
      run: () => runWrangler(['deploy', ...dry('api'), '--config', configPath, ...api], { echo: true }),
    },
    {
      title: 'dashboard build',
      shown: 'pnpm -C packages/frontend build',
      run: () => runCommand('pnpm', ['run', 'build'], { cwd: FRONTEND_DIR }),
    },
    {
      title: 'dashboard Worker (dry run)',
      shown: '(packages/frontend) wrangler deploy --dry-run',
      run: () => runWrangler(['deploy', ...dry('dashboard')], { cwd: FRONTEND_DIR, echo: true }),
    },
    {
      title: 'gateway Worker (dry run)',
      shown: '(packages/gateway) wrangler deploy --dry-run',
      run: () => runWrangler(['deploy', ...dry('gateway'), ...gateway], { cwd: GATEWAY_DIR, echo: true }),
    },
  ];
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      env: { type: 'string', default: 'production' },
      config: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      outdir: { type: 'string', default: join(REPO_ROOT, '.wrangler/deploy-dry-run') },
    },
  });
  const settings = settingsFromEnv();
  const generated = resolve(values.config ?? deployConfigPath(join(REPO_ROOT, 'wrangler.toml'), values.env));
  if (values['dry-run']) {
    // Without `pnpm provision` the dry run uses the local config: its placeholder ids are fine for a bundle check.
    const configPath = existsSync(generated) ? generated : join(REPO_ROOT, 'wrangler.toml');
    console.log(
      `Dry run of the ${values.env} deploy with ${relative(process.cwd(), configPath)} ` +
        `(APP_VERSION ${settings.appVersion}, APP_COMMIT ${settings.appCommit}). A deploy would:`,
    );
    const plan = [
      `check the API Worker's secrets (${REQUIRED_SECRETS.join(', ')}, a sign-in provider) and PUBLIC_HOSTNAME`,
      ...deploySteps(configPath, settings).map((step) => `${step.title}: ${step.shown}`),
    ];
    plan.forEach((line, index) => console.log(`  ${index + 1}. ${line}`));
    // What the dry run can check without an account: the Stripe settings given to it. With billing on, the
    // Worker's secrets may hold the two secrets, so they are taken as set; the price ids must be given.
    const vars = (readWranglerConfig(configPath).vars ?? {}) as Record<string, string>;
    const stripe = stripeSwitch(settings, vars);
    const problems = [
      ...stripe.problems,
      ...stripeProblems(namesSet(settings, vars, stripe.on ? DEPLOY_SECRETS : []), stripe.on),
    ];
    if (problems.length > 0)
      throw new DeployError(
        `nothing was built; the Stripe settings are incomplete:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`,
      );
    await runSteps(dryRunSteps(configPath, settings, resolve(values.outdir)));
    console.log(`\nDry run complete: the three Workers built into ${relative(process.cwd(), values.outdir)}`);
    return;
  }
  if (!existsSync(generated)) {
    throw new DeployError(
      `${relative(process.cwd(), generated)} does not exist: run pnpm provision --env ${values.env}`,
    );
  }
  await checkSettings(generated, settings);
  await runSteps(deploySteps(generated, settings));
  console.log(`\nDeployed ${values.env}: https://${settings.publicHostname}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(`deploy: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
