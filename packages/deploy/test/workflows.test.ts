import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT, runCommand } from '../src/wrangler.ts';

const WORKFLOWS = join(REPO_ROOT, '.github/workflows');
// action-validator checks a workflow against GitHub's schema (offline: its schema ships in the package).
const VALIDATOR = resolve(
  dirname(createRequire(import.meta.url).resolve('@action-validator/cli/package.json')),
  'cli.mjs',
);

interface Step {
  name?: string;
  run?: string;
  uses?: string;
  env?: Record<string, string>;
}
interface Job {
  needs?: string | string[];
  environment?: { name: string; url?: string };
  env?: Record<string, string>;
  steps: Step[];
}
interface Workflow {
  on: Record<string, unknown>;
  jobs: Record<string, Job>;
}

const workflow = (file: string) => parse(readFileSync(join(WORKFLOWS, file), 'utf8')) as Workflow;
const runs = (job: Job) => job.steps.map((step) => step.run ?? '').join('\n');

describe('GitHub workflows', () => {
  it.each(['ci.yml', 'deploy.yml'])('%s is a valid workflow', async (file) => {
    const result = await runCommand(process.execPath, [VALIDATOR, join(WORKFLOWS, file)]);
    expect(result.stdout + result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('deploy.yml: a v* tag or a manual run (staging or production), tests first, then provision and deploy', () => {
    const deploy = workflow('deploy.yml');
    expect(deploy.on.push).toEqual({ tags: ['v*'] });
    const dispatch = deploy.on.workflow_dispatch as { inputs: { environment: { options: string[] } } };
    expect(dispatch.inputs.environment.options).toEqual(['staging', 'production']);

    const job = deploy.jobs.deploy!;
    expect(job.needs).toBe('test');
    expect(runs(deploy.jobs.test!)).toContain('npm test');
    // The GitHub environment is the one chosen (production for a tag), and so is the deploy's --env.
    expect(job.environment!.name).toContain('inputs.environment');
    expect(job.environment!.name).toContain("'production'");
    expect(job.env!.DEPLOY_ENV).toBe(job.environment!.name);
    expect(job.env!.CLOUDFLARE_API_TOKEN).toBe('${{ secrets.CLOUDFLARE_API_TOKEN }}');
    expect(job.env!.CLOUDFLARE_ACCOUNT_ID).toBe('${{ secrets.CLOUDFLARE_ACCOUNT_ID }}');
    const script = runs(job);
    const provision = script.indexOf('pnpm provision --env "$DEPLOY_ENV"');
    const release = script.indexOf('pnpm run deploy --env "$DEPLOY_ENV"');
    expect(provision).toBeGreaterThan(-1);
    expect(release).toBeGreaterThan(provision);
    // Stripe billing: plain settings from the environment's variables; its two secrets only in the deploy step.
    for (const name of ['STRIPE_ENABLED', 'STRIPE_PRICE_STARTER', 'STRIPE_PRICE_PRO'])
      expect(job.env![name]).toBe(`\${{ vars.${name} }}`);
    const deployStep = job.steps.find((step) => step.run?.includes('pnpm run deploy'));
    for (const name of ['STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET']) {
      expect(deployStep!.env![name]).toBe(`\${{ secrets.${name} }}`);
      expect(job.env![name]).toBeUndefined();
    }
  });

  it('ci.yml dry-runs the deploy of all three Workers beside the tests', () => {
    const ci = workflow('ci.yml');
    expect(runs(ci.jobs.test!)).toContain('npm test');
    const dryRun = Object.values(ci.jobs).find((job) => runs(job).includes('pnpm run deploy --dry-run'));
    expect(dryRun).toBeDefined();
  });
});
