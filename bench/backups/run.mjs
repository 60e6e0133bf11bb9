// Backup throughput: N distinct images (default 1,000) backed up by the real Worker (`wrangler dev --local`: the
// backups queue consumer copying R2 originals and sidecars to a loopback S3 server that checks SigV4) beside the
// baseline, a plain aws4fetch PUT loop from Node copying the same bytes to the same server. Both end when every
// object is in the bucket. Run from the repository root: `pnpm --filter @pixelflare/bench backups`
// (`BENCH_IMAGES=200` for a shorter run). Uses its own temporary local state and S3 data folder.
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { deflateSync } from 'node:zlib';

const root = path.resolve(import.meta.dirname, '../..');
const { AwsClient } = await import(
  createRequire(path.join(root, 'packages/api/package.json')).resolve('aws4fetch')
);
const state = mkdtempSync(path.join(tmpdir(), 'pf-bench-backups-'));
const s3Data = mkdtempSync(path.join(tmpdir(), 'pf-bench-backups-s3-'));
const PORT = 8794;
const IMAGES = Number(process.env.BENCH_IMAGES ?? 1000);
const UPLOAD_CONCURRENCY = 8;
const S3_KEY = 'BENCHKEY';
const S3_SECRET = 'bench-secret-0123456789abcdef';
const base = `http://127.0.0.1:${PORT}`;

const devVars = Object.fromEntries(
  readFileSync(path.join(root, '.dev.vars'), 'utf8')
    .split('\n')
    .filter((line) => /^[A-Z_]+=/.test(line))
    .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1).replaceAll('"', '')]),
);
const overrides = {
  RATE_LIMIT_ENABLED: 'false',
  PUBLIC_API_URL: base,
  ALLOW_PRIVATE_BACKUP_TARGETS: 'true',
  BACKUP_ENCRYPTION_KEY: devVars.BACKUP_ENCRYPTION_KEY ?? randomBytes(32).toString('base64url'),
};
const vars = Object.entries({ ...devVars, ...overrides }).flatMap(([k, v]) => ['--var', `${k}:${v}`]);
const wrangler = (...args) =>
  execFileSync('wrangler', args, {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 1e8,
  });
const sql = (command) =>
  wrangler('d1', 'execute', 'DB', '--local', '--persist-to', state, '--command', command);

/** An 8×8 PNG of one colour: `n` picks the colour, so every image is distinct (uploads are deduplicated). */
function png(n) {
  const crcTable = Array.from({ length: 256 }, (_, i) => {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf) => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    out.write(type, 4, 'ascii');
    data.copy(out, 8);
    out.writeUInt32BE(crc(out.subarray(4, 8 + data.length)), 8 + data.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(8, 0);
  ihdr.writeUInt32BE(8, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  const rows = Buffer.alloc(8 * (1 + 8 * 3));
  for (let y = 0; y < 8; y++) {
    for (let x = 0; x < 8; x++) {
      const at = y * 25 + 1 + x * 3;
      rows[at] = n & 0xff;
      rows[at + 1] = (n >> 8) & 0xff;
      rows[at + 2] = x * 31;
    }
  }
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([
    signature,
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

async function waitUntil(what, check, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

function startS3() {
  const child = spawn(
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

console.log(`Preparing local state in ${state} …`);
wrangler('d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', state);
let key = '';
while (!/^pf_[A-Za-z0-9]{43}$/.test(key)) key = `pf_${randomBytes(32).toString('base64url')}`;
const keyHash = createHmac('sha256', devVars.API_HASH_SECRET).update(key).digest('hex');
sql(
  "INSERT INTO users (id, slug, is_admin, plan, image_count, storage_bytes, encryption_key_version, created_at, updated_at) VALUES ('usr_bench', 'bench', 0, 'pro', 0, 0, 0, 0, 0)",
);
sql(
  `INSERT INTO api_keys (id, owner_id, name, prefix, key_hash, scopes, created_at) VALUES ('key_bench', 'usr_bench', 'bench', '${key.slice(0, 10)}', '${keyHash}', '["images:read","images:write","backups:manage"]', 0)`,
);
const auth = { Authorization: `Bearer ${key}` };

const s3 = await startS3();
const endpoint = `http://127.0.0.1:${s3.port}`;
const logFile = openSync(path.join(tmpdir(), 'pf-bench-backups-wrangler.log'), 'w');
const worker = spawn(
  'wrangler',
  [
    'dev',
    '--local',
    '--port',
    String(PORT),
    '--ip',
    '127.0.0.1',
    '--persist-to',
    state,
    '--show-interactive-dev-session=false',
    '--config',
    'wrangler.toml',
    ...vars,
  ],
  { cwd: root, stdio: ['ignore', logFile, logFile], detached: true },
);
const stop = () => {
  try {
    process.kill(-worker.pid, 'SIGTERM');
  } catch {
    // already gone
  }
  s3.child.kill('SIGTERM');
};
try {
  await waitUntil('wrangler dev', async () => (await fetch(`${base}/v1/status`)).status < 500, 120_000);

  console.log(`Uploading ${IMAGES} distinct PNGs (before any backup destination exists) …`);
  const files = Array.from({ length: IMAGES }, (_, i) => png(i));
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
  const workerStart = performance.now();
  const sync = await fetch(`${base}/v1/backup/sync`, { method: 'POST', headers: auth });
  const { queued } = await sync.json();
  let failed = 0;
  await waitUntil(
    'every backup',
    async () => {
      const status = await (await fetch(`${base}/v1/backup/status`, { headers: auth })).json();
      failed = status.counts.failed;
      return status.counts.done + status.counts.failed === IMAGES;
    },
    30 * 60_000,
  );
  const workerMs = performance.now() - workerStart;

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
  const serialStart = performance.now();
  for (let i = 0; i < IMAGES; i++) await put('serial/', i);
  const serialMs = performance.now() - serialStart;
  const parallelStart = performance.now();
  let cursor = 0;
  await Promise.all(
    Array.from({ length: 10 }, async () => {
      while (cursor < IMAGES) await put('parallel/', cursor++);
    }),
  );
  const parallelMs = performance.now() - parallelStart;

  const rate = (ms) =>
    `${((IMAGES / ms) * 1000).toFixed(1).padStart(7)} images/s  ${(((totalBytes / ms) * 1000) / 1024).toFixed(1).padStart(7)} KiB/s  ${(ms / 1000).toFixed(1).padStart(6)} s`;
  console.log(
    `\nBackup throughput, ${IMAGES} images (${(totalBytes / 1024).toFixed(0)} KiB of originals), loopback S3 (s3rver, SigV4 checked)`,
  );
  console.log(
    `  Worker: queue consumer (original + sidecar, HEAD/GET checks first) ${rate(workerMs)}  queued ${queued}, failed ${failed}`,
  );
  console.log(`  baseline: aws4fetch PUT loop from Node, one at a time          ${rate(serialMs)}`);
  console.log(`  baseline: aws4fetch PUT loop from Node, 10 at a time           ${rate(parallelMs)}`);
  console.log(
    '  (each Worker backup is 4 S3 requests: GET sidecar, HEAD original, PUT original, PUT sidecar; the baseline is 1 PUT)',
  );
} finally {
  stop();
}
