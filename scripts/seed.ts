// Idempotent local seed: users `alice` (admin) and `bob`, each with an all-scopes API key.
// Keys are stored hashed in D1 exactly as in production; only `.dev/credentials.json` (gitignored) holds them in clear.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { API_SCOPES } from '../packages/config/src/index.ts';
import {
  API_KEY_PATTERN,
  generateApiKey,
  hashApiKey,
} from '../packages/api/src/services/keys/api-key-secret.ts';

const root = process.env.PIXELFLARE_ROOT ?? process.cwd();
const stateDir = process.env.PIXELFLARE_STATE_DIR ?? join(root, '.wrangler/state');
const credentialsFile = join(root, '.dev/credentials.json');

const SEED_USERS = [
  { slug: 'alice', displayName: 'Alice (local admin)', isAdmin: true },
  { slug: 'bob', displayName: 'Bob', isAdmin: false },
] as const;

type Credentials = Record<string, { apiKey: string }>;

function readDevVar(name: string): string {
  const line = readFileSync(join(root, '.dev.vars'), 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${name}=`));
  if (!line) throw new Error(`${name} is missing from .dev.vars (delete the file and run setup again)`);
  return line.slice(name.length + 1).trim();
}

const sql = (value: string | number | null) =>
  value === null ? 'NULL' : typeof value === 'number' ? String(value) : `'${value.replaceAll("'", "''")}'`;

const hashSecret = readDevVar('API_HASH_SECRET');
const existing: Credentials = existsSync(credentialsFile)
  ? JSON.parse(readFileSync(credentialsFile, 'utf8'))
  : {};
const credentials: Credentials = {};
const statements: string[] = [];
const now = Date.now();

for (const user of SEED_USERS) {
  const kept = existing[user.slug]?.apiKey;
  const key =
    kept && API_KEY_PATTERN.test(kept) ? { key: kept, prefix: kept.slice(0, 10) } : generateApiKey();
  credentials[user.slug] = { apiKey: key.key };
  const userId = `usr_seed_${user.slug}`;
  statements.push(
    `INSERT INTO users (id, slug, email, display_name, is_admin, plan, created_at, updated_at) VALUES (${sql(userId)}, ${sql(user.slug)}, ${sql(`${user.slug}@localhost`)}, ${sql(user.displayName)}, ${user.isAdmin ? 1 : 0}, 'pro', ${now}, ${now}) ON CONFLICT(id) DO NOTHING;`,
    // The key row is rewritten each time, so the stored hash always matches the local file and the current secret.
    `INSERT INTO api_keys (id, owner_id, name, prefix, key_hash, scopes, created_at) VALUES (${sql(`key_seed_${user.slug}`)}, ${sql(userId)}, 'Local development (all scopes)', ${sql(key.prefix)}, ${sql(await hashApiKey(hashSecret, key.key))}, ${sql(JSON.stringify(API_SCOPES))}, ${now}) ON CONFLICT(id) DO UPDATE SET key_hash = excluded.key_hash, prefix = excluded.prefix, scopes = excluded.scopes, revoked_at = NULL, expires_at = NULL;`,
  );
}

const sqlFile = join(tmpdir(), `pixelflare-seed-${process.pid}.sql`);
writeFileSync(sqlFile, statements.join('\n'));
try {
  execFileSync('wrangler', ['d1', 'execute', 'DB', '--local', '--persist-to', stateDir, '--file', sqlFile], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
} finally {
  rmSync(sqlFile, { force: true });
}
mkdirSync(join(root, '.dev'), { recursive: true });
writeFileSync(credentialsFile, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });

console.log('Local users (API keys also in .dev/credentials.json):');
for (const user of SEED_USERS)
  console.log(
    `  ${user.slug.padEnd(6)} ${user.isAdmin ? 'admin' : 'user '}  ${credentials[user.slug]?.apiKey}`,
  );
