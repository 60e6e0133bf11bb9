import { WEBHOOK_DELIVERY } from '@pixelflare/config';
import { webhooks, type Database } from '@pixelflare/database';
import type { Webhook, WebhookCreate, WebhookUpdate, WebhookWithSecret } from '@pixelflare/shared';
import { and, desc, eq } from 'drizzle-orm';
import { notFound } from '../../lib/errors';
import { newId } from '../../lib/ids';
import { decryptSecret, encryptSecret, generateWebhookSecret } from './secret';
import { assertPublicWebhookTarget, type HostResolver } from './ssrf';

type WebhookRow = typeof webhooks.$inferSelect;

/** What the service needs from the environment: the encryption key material and the SSRF switch. */
export interface WebhookSettings {
  encryptionKey: string;
  allowPrivateTargets: boolean;
  /** How long a delivery waits for the receiver (WEBHOOK_DELIVERY.timeoutMs unless a test shortens it). */
  timeoutMs?: number;
  /** Resolves a target's host name before each delivery (guard on only); DNS over HTTPS unless replaced. */
  resolveHost?: HostResolver;
}

export function toWebhook(row: WebhookRow, now = new Date()): Webhook {
  const overlap = row.previousSecretExpiresAt && row.previousSecretExpiresAt > now;
  return {
    id: row.id,
    url: row.url,
    events: row.events,
    description: row.description,
    active: row.isActive,
    disabled_reason: row.disabledReason,
    disabled_at: row.disabledAt?.toISOString() ?? null,
    failing_since: row.failingSince?.toISOString() ?? null,
    previous_secret_expires_at: overlap ? (row.previousSecretExpiresAt?.toISOString() ?? null) : null,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

export async function createWebhook(
  db: Database,
  settings: WebhookSettings,
  ownerId: string,
  input: WebhookCreate,
): Promise<WebhookWithSecret> {
  assertPublicWebhookTarget(input.url, settings.allowPrivateTargets);
  const secret = generateWebhookSecret();
  const [row] = await db
    .insert(webhooks)
    .values({
      id: newId('whk'),
      ownerId,
      url: input.url,
      description: input.description ?? null,
      events: [...new Set(input.events)],
      isActive: input.active,
      secretEncrypted: await encryptSecret(settings.encryptionKey, secret),
    })
    .returning();
  return { ...toWebhook(row!), secret };
}

export async function listWebhooks(db: Database, ownerId: string): Promise<Webhook[]> {
  const rows = await db
    .select()
    .from(webhooks)
    .where(eq(webhooks.ownerId, ownerId))
    .orderBy(desc(webhooks.createdAt), desc(webhooks.id));
  return rows.map((row) => toWebhook(row));
}

/** The owner's webhook row; another tenant's id is a 404. */
export async function findWebhook(db: Database, ownerId: string, id: string): Promise<WebhookRow> {
  const [row] = await db
    .select()
    .from(webhooks)
    .where(and(eq(webhooks.id, id), eq(webhooks.ownerId, ownerId)));
  if (!row) throw notFound('Webhook');
  return row;
}

export async function updateWebhook(
  db: Database,
  settings: WebhookSettings,
  ownerId: string,
  id: string,
  input: WebhookUpdate,
): Promise<Webhook> {
  const existing = await findWebhook(db, ownerId, id);
  if (input.url !== undefined) assertPublicWebhookTarget(input.url, settings.allowPrivateTargets);
  const reactivating = input.active === true && !existing.isActive;
  const [row] = await db
    .update(webhooks)
    .set({
      ...(input.url !== undefined && { url: input.url }),
      ...(input.events !== undefined && { events: [...new Set(input.events)] }),
      ...(input.description !== undefined && { description: input.description }),
      ...(input.active !== undefined && { isActive: input.active }),
      // Turning an automatically disabled endpoint back on starts its failure count afresh.
      ...(reactivating && { disabledReason: null, disabledAt: null, failingSince: null }),
    })
    .where(and(eq(webhooks.id, id), eq(webhooks.ownerId, ownerId)))
    .returning();
  return toWebhook(row!);
}

export async function deleteWebhook(db: Database, ownerId: string, id: string): Promise<void> {
  await findWebhook(db, ownerId, id);
  await db.delete(webhooks).where(and(eq(webhooks.id, id), eq(webhooks.ownerId, ownerId)));
}

/** New secret; the current one keeps signing alongside it for the overlap window. */
export async function rotateWebhookSecret(
  db: Database,
  settings: WebhookSettings,
  ownerId: string,
  id: string,
  now = new Date(),
): Promise<WebhookWithSecret> {
  const existing = await findWebhook(db, ownerId, id);
  const secret = generateWebhookSecret();
  const [row] = await db
    .update(webhooks)
    .set({
      secretEncrypted: await encryptSecret(settings.encryptionKey, secret),
      previousSecretEncrypted: existing.secretEncrypted,
      previousSecretExpiresAt: new Date(now.getTime() + WEBHOOK_DELIVERY.secretRotationOverlapSeconds * 1000),
    })
    .where(and(eq(webhooks.id, id), eq(webhooks.ownerId, ownerId)))
    .returning();
  return { ...toWebhook(row!, now), secret };
}

/** The secrets that sign a delivery now: the current one, plus the previous one during the overlap. */
export async function signingSecrets(
  encryptionKey: string,
  row: WebhookRow,
  now = new Date(),
): Promise<string[]> {
  const secrets = [await decryptSecret(encryptionKey, row.secretEncrypted)];
  if (row.previousSecretEncrypted && row.previousSecretExpiresAt && row.previousSecretExpiresAt > now) {
    secrets.push(await decryptSecret(encryptionKey, row.previousSecretEncrypted));
  }
  return secrets;
}
