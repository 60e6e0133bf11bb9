// A real S3-compatible server on loopback for the backup tests: @20minutes/s3rver 5.0.0, which verifies SigV4
// signatures (a wrong secret is 403 SignatureDoesNotMatch), ListObjectsV2 and multipart uploads. It needs Node 24,
// which tools/s3 pins beside the project's Node 22; test/global-setup-s3.ts runs this file with that Node (its
// type stripping runs the TypeScript as it is). Prints one JSON line, { "port": N }, once it listens; stops when its
// stdin closes (the parent went away) or on SIGTERM.
import { createRequire } from 'node:module';
import path from 'node:path';

interface S3rverInstance {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
}
interface Account {
  createKeyPair(accessKeyId: string, secretAccessKey: string): void;
}

const root = path.resolve(import.meta.dirname, '../../..');
const require = createRequire(path.join(root, 'tools/s3/package.json'));
const S3rver = require('@20minutes/s3rver') as new (options: object) => S3rverInstance;
const { DUMMY_ACCOUNT } = require('@20minutes/s3rver/lib/models/account') as { DUMMY_ACCOUNT: Account };

const directory = process.env.S3_SERVER_DIR;
const accessKeyId = process.env.S3_ACCESS_KEY_ID;
const secretAccessKey = process.env.S3_SECRET_ACCESS_KEY;
if (!directory || !accessKeyId || !secretAccessKey) {
  console.error('S3_SERVER_DIR, S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY are required');
  process.exit(2);
}
DUMMY_ACCOUNT.createKeyPair(accessKeyId, secretAccessKey);

const server = new S3rver({
  port: 0,
  address: '127.0.0.1',
  directory,
  silent: true,
  configureBuckets: (process.env.S3_BUCKETS ?? 'backups').split(',').map((name) => ({ name })),
});
const { port } = await server.run();
process.stdout.write(`${JSON.stringify({ port })}\n`);

const stop = () => void server.close().finally(() => process.exit(0));
process.on('SIGTERM', stop);
process.stdin.on('end', stop);
process.stdin.resume();
