import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { uniquePng } from '../../cli/test/helpers';

// rclone from Debian (`npm test` installs it with Chromium where apt-get is available), driving the S3 endpoint as
// its users do: path-style, provider "Other", the key pair made in Settings.
const RCLONE = ['/usr/bin/rclone', '/usr/local/bin/rclone'].find((path) => existsSync(path));
if (!RCLONE) console.warn('Skipping the rclone tests: no rclone (apt-get install -y rclone)');

const { apiUrl, apiKeys } = inject('s3Stack');
const run = `rc${Date.now().toString(36)}`;
const work = mkdtempSync(join(tmpdir(), 'pixelflare-rclone-'));
const configFile = join(work, 'rclone.conf');
writeFileSync(configFile, '');

interface KeyPair {
  access_key_id: string;
  secret_access_key: string;
  endpoint: string;
}

let pair: KeyPair;

/** Runs rclone against remote `pf:` (configured by environment, as `rclone config` would write it). */
async function rclone(args: string[], secret = pair.secret_access_key) {
  // The caller's own AWS and rclone settings stay out (an AWS_CA_BUNDLE makes rclone's plain-HTTP client fail).
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(AWS_|RCLONE_)/.test(name)),
  );
  const env = {
    ...inherited,
    RCLONE_CONFIG: configFile,
    RCLONE_CONFIG_PF_TYPE: 's3',
    RCLONE_CONFIG_PF_PROVIDER: 'Other',
    RCLONE_CONFIG_PF_ENDPOINT: pair.endpoint,
    RCLONE_CONFIG_PF_ACCESS_KEY_ID: pair.access_key_id,
    RCLONE_CONFIG_PF_SECRET_ACCESS_KEY: secret,
    RCLONE_CONFIG_PF_FORCE_PATH_STYLE: 'true',
    RCLONE_CONFIG_PF_REGION: 'auto',
  };
  return promisify(execFile)(RCLONE!, [...args, '--retries', '1', '--low-level-retries', '1'], {
    env,
    maxBuffer: 16 * 1024 * 1024,
  });
}

const cdnBytes = async (path: string) => {
  const response = await fetch(`${apiUrl}/cdn/alice/${path}`);
  expect(response.status, path).toBe(200);
  return Buffer.from(await response.arrayBuffer());
};

describe.skipIf(!RCLONE)('the S3 endpoint with rclone', () => {
  beforeAll(async () => {
    const response = await fetch(`${apiUrl}/v1/s3-keys`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${apiKeys.alice}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'rclone test', scope: 'write' }),
    });
    expect(response.status, await response.clone().text()).toBe(201);
    pair = (await response.json()) as KeyPair;
  });

  it('copies a folder up (its folder an album), lists it, copies it back as the CDN serves it, deletes', async () => {
    const source = join(work, 'up');
    mkdirSync(join(source, run), { recursive: true });
    for (const name of ['a.png', 'b.png']) writeFileSync(join(source, run, name), uniquePng(24, 24));
    await rclone(['copy', source, 'pf:alice', '--s3-upload-cutoff', '100M', '--s3-no-head']);

    expect((await rclone(['lsf', `pf:alice/${run}`])).stdout.split('\n').filter(Boolean)).toEqual([
      'a.png',
      'b.png',
    ]);
    const album = await fetch(`${apiUrl}/v1/albums/${run}`, {
      headers: { Authorization: `Bearer ${apiKeys.alice}` },
    });
    expect(album.status).toBe(200);

    const down = join(work, 'down');
    await rclone(['copy', `pf:alice/${run}`, down]);
    expect(readdirSync(down).sort()).toEqual(['a.png', 'b.png']);
    for (const name of ['a.png', 'b.png'])
      expect(readFileSync(join(down, name)).equals(await cdnBytes(`${run}/${name}`))).toBe(true);

    await rclone(['delete', `pf:alice/${run}/b.png`]);
    expect((await rclone(['lsf', `pf:alice/${run}`])).stdout.split('\n').filter(Boolean)).toEqual(['a.png']);
    // To the trash, not gone: the CDN no longer serves it.
    expect((await fetch(`${apiUrl}/cdn/alice/${run}/b.png`)).status).toBe(404);
  });

  it('sends a file above its upload cutoff as a multipart upload, stored whole', async () => {
    const source = join(work, 'big');
    mkdirSync(source, { recursive: true });
    // Noise does not compress: about 8 MB, two 5 MB parts.
    const big = uniquePng(1450, 1450, true);
    writeFileSync(join(source, `${run}-big.png`), big);
    await rclone([
      'copy',
      source,
      'pf:alice',
      '--s3-upload-cutoff',
      '5M',
      '--s3-chunk-size',
      '5M',
      '--s3-no-head',
    ]);
    // It arrived as a multipart upload (the audit log names how each S3 write came in).
    const audit = await fetch(`${apiUrl}/v1/audit-log?action=s3.complete_multipart_upload`, {
      headers: { Authorization: `Bearer ${apiKeys.alice}` },
    });
    expect(audit.status).toBe(200);
    expect(JSON.stringify(await audit.json())).toContain(`${run}-big.png`);
    const served = await cdnBytes(`default/${run}-big.png`);
    expect(served.length).toBeGreaterThan(5 * 1024 * 1024);
    const down = join(work, 'big-down');
    await rclone(['copy', `pf:alice/${run}-big.png`, down]);
    expect(readFileSync(join(down, `${run}-big.png`)).equals(served)).toBe(true);
  });

  it('fails with S3 SignatureDoesNotMatch for a wrong secret', async () => {
    const failure = await rclone(['lsf', 'pf:alice'], `${pair.secret_access_key.slice(0, -2)}xx`).then(
      () => null,
      (error: Error & { stderr?: string }) => error,
    );
    expect(failure).not.toBeNull();
    expect(failure!.stderr).toContain('SignatureDoesNotMatch');
  });
});
