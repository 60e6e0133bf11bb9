import { AUDIT_RETENTION_DAYS, VARIANT_NAMES, WEBHOOK_DELIVERY_RETENTION_DAYS } from '@pixelflare/config';
import { auditLogs, outboxEvents, uploadTokens, webhookDeliveries } from '@pixelflare/database';
import { and, isNotNull, lt } from 'drizzle-orm';
import { dispatchOutbox } from '../services/events/dispatch';
import { deleteExpiredExports } from '../services/exports/exports';
import { purgeExpiredTrash } from '../services/images/manage';
import { signingDepsOf } from '../services/images/resource';
import { reconcileStorage } from '../services/reconcile/reconcile';
import { requeueMissingRenditions } from '../services/reconcile/renditions';
import { engineNameFor } from '../engines/select';
import { sweepExpiredShareLinks } from '../services/share-links/share-links';
import { purgeStaleStaging } from '../services/uploads/two-step';
import { vectorIndexFor } from '../services/vectors/select';
import type { CronJob } from './context';

const DAY_MS = 86_400_000;
/** Dispatched outbox rows are kept this long (for replay by an operator), then removed. */
const OUTBOX_RETENTION_DAYS = 7;

/**
 * 01:00 UTC: expired trash and abandoned uploads (and staged two-step bodies a stopped Worker left behind),
 * R2 reconciled with D1 (orphan objects, rows whose original is missing: `reconcileStorage`), lost variants
 * jobs redone (`requeueMissingRenditions`), expired upload tokens and data exports, and audit, delivery and dispatched outbox rows past retention. Every step deletes by a cutoff, so running twice or late leaves the same state.
 */
export const runCleanup: CronJob = async ({ db, env, config, logger }, now) => {
  const before = (days: number) => new Date(now.getTime() - days * DAY_MS);
  const trashPurged = await purgeExpiredTrash(
    {
      db,
      bucket: env.IMAGES_BUCKET,
      cache: caches.default,
      backupsQueue: env.BACKUPS_QUEUE,
      vectors: vectorIndexFor(config, env.VECTORIZE),
    },
    now,
    {
      signing: signingDepsOf(env, config),
    },
  );
  const stagedBodies = await purgeStaleStaging(env.IMAGES_BUCKET, now);
  const reconciled = await reconcileStorage({ db, bucket: env.IMAGES_BUCKET, kv: env.KV, logger }, now);
  // Variants jobs whose message was lost; a passthrough deployment renders nothing ahead.
  const renders = engineNameFor(config.IMAGE_ENGINE, env.IMAGES) !== 'passthrough';
  const renditions = await requeueMissingRenditions(
    {
      db,
      queue: env.VARIANTS_QUEUE,
      kv: env.KV,
      logger,
      presets: renders ? (config.ALLOWED_VARIANTS ?? VARIANT_NAMES) : [],
    },
    now,
  );
  const tokens = await db
    .delete(uploadTokens)
    .where(lt(uploadTokens.expiresAt, now))
    .returning({ tokenHash: uploadTokens.tokenHash });
  const audit = await db
    .delete(auditLogs)
    .where(lt(auditLogs.createdAt, before(AUDIT_RETENTION_DAYS)))
    .returning({ id: auditLogs.id });
  const deliveries = await db
    .delete(webhookDeliveries)
    .where(lt(webhookDeliveries.createdAt, before(WEBHOOK_DELIVERY_RETENTION_DAYS)))
    .returning({ id: webhookDeliveries.id });
  const outbox = await db
    .delete(outboxEvents)
    .where(
      and(isNotNull(outboxEvents.dispatchedAt), lt(outboxEvents.dispatchedAt, before(OUTBOX_RETENTION_DAYS))),
    )
    .returning({ id: outboxEvents.id });
  const exports = await deleteExpiredExports(db, env.IMAGES_BUCKET, now);
  return {
    trashPurged,
    stagedBodies,
    reconciled,
    renditions,
    expiredUploadTokens: tokens.length,
    auditRows: audit.length,
    deliveryRows: deliveries.length,
    outboxRows: outbox.length,
    expiredExports: exports,
  };
};

/**
 * Every 5 minutes: share links whose expiry passed unvisited get their `share.expired` event, then outbox events
 * the per-request flush missed (a crash, a failed enqueue) go out, those included.
 */
export const runOutboxSweep: CronJob = async ({ db, env }, now) => {
  const expiredShareLinks = await sweepExpiredShareLinks(db, now.getTime());
  let events = 0;
  let messages = 0;
  // A few pages per run keeps one invocation short; the next run continues.
  for (let page = 0; page < 10; page++) {
    const sent = await dispatchOutbox(db, env.WEBHOOKS_QUEUE, undefined, now);
    events += sent.events;
    messages += sent.messages;
    if (sent.events === 0) break;
  }
  return { expiredShareLinks, events, messages };
};
