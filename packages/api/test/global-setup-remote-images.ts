import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  interface ProvidedContext {
    remoteImagesPort: number;
  }
}

const MB = 1024 * 1024;

/**
 * A stand-in for the web servers `POST /v1/upload/from-url` fetches from, on loopback (Node, outside workerd):
 * - `/image/<name>`: tests/fixtures/tiny.png; `/redirect/<n>/<name>`: n redirects, then the image
 * - `/redirect-to?location=<url>`: one redirect anywhere; `/status/<code>`: that status
 * - `/declared-huge`: a Content-Length of 1 GB (a few bytes sent); `/endless`: 1 MB chunks, no length, until the
 *   client stops reading (at most 200 MB); `/hang`: headers, then nothing, ever
 */
export default async function setup(project: TestProject) {
  const png = readFileSync(join(import.meta.dirname, 'fixtures/tiny.png'));
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const [, action = '', first = '', second = ''] = url.pathname.split('/');
    if (action === 'image') {
      res.writeHead(200, { 'Content-Type': 'image/png', 'Content-Length': png.length }).end(png);
    } else if (action === 'redirect') {
      const left = Number(first);
      res
        .writeHead(302, { Location: left > 1 ? `/redirect/${left - 1}/${second}` : `/image/${second}` })
        .end();
    } else if (action === 'redirect-to') {
      res.writeHead(302, { Location: url.searchParams.get('location') ?? '/' }).end();
    } else if (action === 'status') {
      res.writeHead(Number(first), { 'Content-Type': 'text/plain' }).end('no');
    } else if (action === 'declared-huge') {
      res.writeHead(200, { 'Content-Type': 'image/png', 'Content-Length': String(1024 * MB) });
      res.write(png);
      // The client must give up on the declared length alone; the socket is closed when it does.
    } else if (action === 'endless') {
      res.writeHead(200, { 'Content-Type': 'image/png' });
      let sent = 0;
      const chunk = Buffer.alloc(MB, 0x42);
      const push = () => {
        while (sent < 200 * MB) {
          sent += MB;
          if (!res.write(chunk)) return void res.once('drain', push);
        }
        res.end();
      };
      res.on('close', () => (sent = Infinity));
      push();
    } else if (action === 'hang') {
      res.writeHead(200, { 'Content-Type': 'image/png' });
      res.flushHeaders();
    } else res.writeHead(404).end();
  });
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  project.provide('remoteImagesPort', (server.address() as AddressInfo).port);
  return () =>
    new Promise<void>((closed) => {
      server.closeAllConnections();
      server.close(() => closed());
    });
}
