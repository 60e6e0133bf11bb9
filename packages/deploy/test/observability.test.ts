import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deployConfigText, readWranglerConfig } from '../src/resources.ts';
import { REPO_ROOT } from '../src/wrangler.ts';
import { parse } from 'smol-toml';

interface Observability {
  enabled?: boolean;
  head_sampling_rate?: number;
  logs?: { enabled?: boolean; invocation_logs?: boolean };
  traces?: { enabled?: boolean };
}
const observabilityOf = (config: object) => (config as { observability?: Observability }).observability;

describe('Workers observability in the deploy configuration', () => {
  it('is on (logs with invocation logs, and traces) for the API Worker in the file pnpm provision writes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'observability-'));
    try {
      const out = join(dir, 'wrangler.production.toml');
      const text = deployConfigText(join(REPO_ROOT, 'wrangler.toml'), out, {
        d1: { DB: '6f1c3b7e-0000-4000-8000-000000000001' },
        kv: { KV: '0123456789abcdef0123456789abcdef' },
      });
      expect(observabilityOf(parse(text))).toMatchObject({
        enabled: true,
        head_sampling_rate: 1,
        logs: { enabled: true, invocation_logs: true },
        traces: { enabled: true },
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each(['packages/frontend/wrangler.toml', 'packages/gateway/wrangler.toml'])('is on for %s', (file) => {
    expect(observabilityOf(readWranglerConfig(join(REPO_ROOT, file)))).toMatchObject({
      enabled: true,
      logs: { enabled: true, invocation_logs: true },
      traces: { enabled: true },
    });
  });
});
