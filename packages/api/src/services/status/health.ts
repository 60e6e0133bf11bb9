import type { Status } from '@pixelflare/shared';

type Check = Status['checks']['d1'];

export interface HealthDeps {
  DB: D1Database;
  IMAGES_BUCKET: R2Bucket;
  KV: KVNamespace;
}

/** What the answer says about the deployment itself. */
export interface DeploymentInfo {
  environment: string;
  version: string;
  commit: string;
}

async function timed(probe: () => Promise<unknown>): Promise<Check> {
  const started = Date.now();
  try {
    await probe();
    return { ok: true, latency_ms: Date.now() - started };
  } catch (error) {
    // Only the failing dependency's error class is reported; details go to the logs.
    return {
      ok: false,
      latency_ms: Date.now() - started,
      error: error instanceof Error ? error.name : 'Error',
    };
  }
}

/**
 * Probes each store with the cheapest read it supports; all three run in parallel. Queues and the Images binding
 * are not probed: a queue has no read operation (a probe would enqueue a message for the consumer) and the Images
 * binding's only calls transform an image, which is billed.
 */
export async function checkDependencies(deps: HealthDeps, deployment: DeploymentInfo): Promise<Status> {
  const [d1, r2, kv] = await Promise.all([
    timed(() => deps.DB.prepare('SELECT 1').first()),
    timed(() => deps.IMAGES_BUCKET.head('__health__')),
    timed(() => deps.KV.get('__health__')),
  ]);
  const ok = d1.ok && r2.ok && kv.ok;
  return { status: ok ? 'ok' : 'degraded', ...deployment, checks: { d1, r2, kv } };
}
