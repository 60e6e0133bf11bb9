import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  interface ProvidedContext {
    webhookReceiverPort: number;
  }
}

/** What the receiver saw for one request, after verifying it independently with `standardwebhooks`. */
export interface ReceivedDelivery {
  webhookId: string;
  verified: boolean;
  error?: string;
  answered: number;
  payload?: unknown;
}

interface Endpoint {
  secret: string;
  /** Answer 500 to this many requests, then 200; -1 answers 500 for ever. */
  failFirst: number;
  /** Never answer this many requests (after `failFirst`): a receiver that hangs. */
  hangFirst: number;
  seen: number;
  received: ReceivedDelivery[];
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/**
 * A real HTTP webhook receiver on loopback (Node, outside workerd). Tests register an endpoint with
 * POST /register/<name> {secret, failFirst}, point a webhook at /hook/<name>, and read GET /log/<name>.
 */
export default async function setup(project: TestProject) {
  const endpoints = new Map<string, Endpoint>();
  const server = createServer(async (req, res) => {
    const [, action, name = ''] = (req.url ?? '').split('/');
    const body = await readBody(req);
    if (action === 'register') {
      const {
        secret,
        failFirst,
        hangFirst = 0,
      } = JSON.parse(body) as {
        secret: string;
        failFirst: number;
        hangFirst?: number;
      };
      endpoints.set(name, { secret, failFirst, hangFirst, seen: 0, received: [] });
      res.writeHead(204).end();
      return;
    }
    const endpoint = endpoints.get(name);
    if (!endpoint) {
      res.writeHead(404).end('unknown endpoint');
      return;
    }
    if (action === 'log') {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(endpoint.received));
      return;
    }
    endpoint.seen += 1;
    if (endpoint.hangFirst > 0) {
      // Held open, unanswered, until the sender gives up (its socket is destroyed at teardown).
      endpoint.hangFirst -= 1;
      endpoint.received.push({
        webhookId: String(req.headers['webhook-id'] ?? ''),
        verified: false,
        answered: 0,
      });
      return;
    }
    const failing = endpoint.failFirst < 0 || endpoint.seen <= endpoint.failFirst;
    const answered = failing ? 500 : 200;
    const headers = {
      'webhook-id': String(req.headers['webhook-id'] ?? ''),
      'webhook-timestamp': String(req.headers['webhook-timestamp'] ?? ''),
      'webhook-signature': String(req.headers['webhook-signature'] ?? ''),
    };
    try {
      const payload = new Webhook(endpoint.secret).verify(body, headers);
      endpoint.received.push({ webhookId: headers['webhook-id'], verified: true, answered, payload });
    } catch (error) {
      endpoint.received.push({
        webhookId: headers['webhook-id'],
        verified: false,
        error: String(error),
        answered,
      });
    }
    res.writeHead(answered).end(failing ? 'receiver says no' : 'ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  project.provide('webhookReceiverPort', (server.address() as AddressInfo).port);
  return () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
}
