import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { runDecrypt } from '../../cli/src/commands/decrypt';

declare module 'vitest' {
  interface ProvidedContext {
    /** Where `POST /decrypt` runs `pixelflare decrypt` in Node on files made from what the request carries. */
    offlineDecrypt: string;
  }
}

async function bodyOf(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Runs the CLI's decrypt command in plain Node (this process, outside workerd) for tests inside workerd, which
 * cannot start processes: `POST /decrypt` with `{ bundle, image, passphrase, object (base64), objectKey }` writes
 * them as files (the object under its R2 key's name), runs `pixelflare decrypt --bundle … --image … in out`,
 * and answers `{ code, stdout, stderr, output (base64, or null when nothing was written) }`.
 */
export default async function setup(project: { provide: (key: 'offlineDecrypt', value: string) => void }) {
  const server = createServer((req, res) => {
    void (async () => {
      if (req.method !== 'POST' || req.url !== '/decrypt') return void res.writeHead(404).end();
      const input = JSON.parse(await bodyOf(req)) as {
        bundle: unknown;
        image: unknown;
        passphrase: string;
        object: string;
        objectKey: string;
      };
      const dir = await mkdtemp(join(tmpdir(), 'pf-offline-'));
      try {
        await writeFile(join(dir, 'keys.json'), JSON.stringify(input.bundle));
        await writeFile(join(dir, 'image.json'), JSON.stringify(input.image));
        await writeFile(join(dir, 'passphrase'), input.passphrase);
        const objectPath = join(dir, basename(input.objectKey));
        await writeFile(objectPath, Buffer.from(input.object, 'base64'));
        const out: string[] = [];
        const err: string[] = [];
        const outPath = join(dir, 'decrypted.out');
        const code = await runDecrypt(
          [
            '--bundle',
            join(dir, 'keys.json'),
            '--image',
            join(dir, 'image.json'),
            '--passphrase-file',
            join(dir, 'passphrase'),
            objectPath,
            outPath,
          ],
          { stdout: (text) => out.push(text), stderr: (text) => err.push(text), env: {} },
        );
        const output = await readFile(outPath).then(
          (bytes) => bytes.toString('base64'),
          () => null,
        );
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ code, stdout: out.join(''), stderr: err.join(''), output }));
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    })().catch((error: unknown) => res.writeHead(500).end(String(error)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  project.provide('offlineDecrypt', `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  return () => new Promise<void>((resolve) => server.close(() => resolve()));
}
