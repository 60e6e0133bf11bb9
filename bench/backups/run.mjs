// Backup throughput: N distinct images (default 1,000) backed up by the real Worker (`wrangler dev --local`: the
// backups queue consumer copying R2 originals and sidecars to a loopback S3 server that checks SigV4) beside the
// baseline, a plain aws4fetch PUT loop from Node copying the same bytes to the same server. Both end when every
// object is in the bucket. Run from the repository root: `pnpm --filter @pixelflare/bench backups`
// (`BENCH_IMAGES=200` for a shorter run). Uses its own temporary local state and S3 data folder.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { png } from '../lib/images.mjs';
import {
  localState,
  printHeader,
  ratio,
  readDevVars,
  repoRoot as root,
  spawnGroup,
  table,
  timeIt,
  waitUntil,
} from '../lib/runner.mjs';

const { AwsClient } = await import(
  createRequire(path.join(root, 'packages/api/package.json')).resolve('aws4fetch')
);
const local = await localState('backups');
const s3Data = mkdtempSync(path.join(tmpdir(), 'pf-bench-backups-s3-'));
const IMAGES = Number(process.env.BENCH_IMAGES ?? 1000);
const UPLOAD_CONCURRENCY = 8;
const S3_KEY = 'BENCHKEY';
const S3_SECRET = 'bench-secret-0123456789abcdef';
const { base } = local;

const devVars = readDevVars();
const vars = {
  ...devVars,
  RATE_LIMIT_ENABLED: 'false',
  PUBLIC_API_URL: base,
  ALLOW_PRIVATE_BACKUP_TARGETS: 'true',
  BACKUP_ENCRYPTION_KEY: devVars.BACKUP_ENCRYPTION_KEY ?? randomBytes(32).toString('base64url'),
};

/** An 8×8 PNG whose colour `n` picks, so every image is distinct (uploads are deduplicated). */
const distinctPng = (n) => png(8, 8, { pixel: (x) => [n & 0xff, (n >> 8) & 0xff, x * 31] });

function startS3() {
  const child = spawnGroup(
    path.join(root, 'tools/s3/node_modules/.bin/node'),
    [path.join(root, 'packages/api/test/s3-server.ts')],
    {
      env: {
        ...process.env,
        S3_SERVER_DIR: s3Data,
        S3_ACCESS_KEY_ID: S3_KEY,
        S3_SECRET_ACCESS_KEY: S3_SECRET,
        S3_BUCKETS: 'backups',
      },
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', (line) =>
      resolve({ child, port: JSON.parse(line).port }),
    );
    child.once('exit', (code) => reject(new Error(`S3 server exited with ${code}`)));
  });
}

try {
  console.log(`Preparing local state in ${local.dir} …`);
  local.migrate();
  local.addUser({ id: 'usr_bench', slug: 'bench', plan: 'pro' });
  const key = local.addApiKey({
    ownerId: 'usr_bench',
    scopes: ['images:read', 'images:write', 'backups:manage'],
  });
  const auth = { Authorization: `Bearer ${key}` };

  const s3 = await startS3();
  const endpoint = `http://127.0.0.1:${s3.port}`;
  await local.startWorker({ vars, ready: '/v1/status' });

  console.log(`Uploading ${IMAGES} distinct PNGs (before any backup destination exists) …`);
  const files = Array.from({ length: IMAGES }, (_, i) => distinctPng(i));
  let next = 0;
  await Promise.all(
    Array.from({ length: UPLOAD_CONCURRENCY }, async () => {
      while (next < IMAGES) {
        const i = next++;
        const form = new FormData();
        form.set('file', new File([files[i]], `bench-${i}.png`));
        const response = await fetch(`${base}/v1/upload`, { method: 'POST', headers: auth, body: form });
        if (response.status !== 201)
          throw new Error(`upload ${i}: ${response.status} ${await response.text()}`);
      }
    }),
  );
  const totalBytes = files.reduce((sum, file) => sum + file.length, 0);

  const config = await fetch(`${base}/v1/backup/config`, {
    method: 'PUT',
    headers: { ...auth, 'Content-Type': 'application/json' },
    body: JSON.stringify({
      endpoint,
      region: 'us-east-1',
      bucket: 'backups',
      prefix: 'worker/',
      access_key_id: S3_KEY,
      secret_access_key: S3_SECRET,
    }),
  });
  if (config.status !== 200) throw new Error(`config: ${config.status} ${await config.text()}`);

  // 1. The Worker: Back up now, until the status counts every image done.
  let queued = 0;
  let failed = 0;
  const workerMs = await timeIt(async () => {
    const sync = await fetch(`${base}/v1/backup/sync`, { method: 'POST', headers: auth });
    ({ queued } = await sync.json());
    await waitUntil(
      'every backup',
      async () => {
        const status = await (await fetch(`${base}/v1/backup/status`, { headers: auth })).json();
        failed = status.counts.failed;
        return status.counts.done + status.counts.failed === IMAGES;
      },
      30 * 60_000,
    );
  });

  // 2. The baseline: the same bytes, one aws4fetch PUT after another from Node, then 10 at a time.
  const client = new AwsClient({
    accessKeyId: S3_KEY,
    secretAccessKey: S3_SECRET,
    service: 's3',
    region: 'us-east-1',
    retries: 0,
  });
  const put = async (prefix, i) => {
    const response = await client.fetch(`${endpoint}/backups/${prefix}${i}/original.png`, {
      method: 'PUT',
      body: files[i],
      headers: { 'Content-MD5': createHash('md5').update(files[i]).digest('base64') },
    });
    if (response.status !== 200) throw new Error(`baseline PUT ${i}: ${response.status}`);
    await response.arrayBuffer();
  };
  const serialMs = await timeIt(async () => {
    for (let i = 0; i < IMAGES; i++) await put('serial/', i);
  });
  let cursor = 0;
  const parallelMs = await timeIt(() =>
    Promise.all(
      Array.from({ length: 10 }, async () => {
        while (cursor < IMAGES) await put('parallel/', cursor++);
      }),
    ),
  );

  printHeader(
    `Backup throughput, ${IMAGES} images (${(totalBytes / 1024).toFixed(0)} KiB of originals), loopback S3 (s3rver, SigV4 checked)`,
  );
  const row = table(['', 'images/s', 'KiB/s', 's', 'Worker ÷ this'], { first: 62, rest: 14 });
  const line = (label, ms) =>
    row([
      label,
      ((IMAGES / ms) * 1000).toFixed(1),
      (((totalBytes / ms) * 1000) / 1024).toFixed(1),
      (ms / 1000).toFixed(1),
      ratio(ms, workerMs),
    ]);
  line('Worker: queue consumer (original + sidecar, HEAD/GET checks first)', workerMs);
  line('baseline: aws4fetch PUT loop from Node, one at a time', serialMs);
  line('baseline: aws4fetch PUT loop from Node, 10 at a time', parallelMs);
  console.log(`  queued ${queued}, failed ${failed}`);
  console.log(
    '  (each Worker backup is 4 S3 requests: GET sidecar, HEAD original, PUT original, PUT sidecar; the baseline is 1 PUT)',
  );
} finally {
  local.cleanup();
  rmSync(s3Data, { recursive: true, force: true });
}
