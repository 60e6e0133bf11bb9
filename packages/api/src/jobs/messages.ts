import { WebhookEnvelopeSchema } from '@pixelflare/shared';
import { z } from 'zod';

/**
 * Every queue's messages, in one place for producers (services, jobs) and consumers (jobs/*). The queue
 * bindings are typed with them (lib/env.ts), so a producer cannot send a shape its consumer does not parse.
 * This module imports no service or job: anything may import it without a cycle.
 */

/** Variants queue: render an image's presets ahead of the first request. Sent once an original is stored. */
export const GenerateVariantsMessage = z.object({
  type: z.literal('generate'),
  imageId: z.string().min(1),
  ownerId: z.string().min(1),
  /** Preset names; the enabled presets when absent. */
  variants: z.array(z.string()).optional(),
});
export type GenerateVariantsMessage = z.infer<typeof GenerateVariantsMessage>;

/** Variants queue: purge an album's cached public answers, one page per message. Sent when it is made private. */
export const PurgeAlbumMessage = z.object({
  type: z.literal('purge-album'),
  ownerId: z.string().min(1),
  albumId: z.string().min(1),
  /** The last image id the previous page purged; absent on the first page. */
  after: z.string().min(1).optional(),
});
export type PurgeAlbumMessage = z.infer<typeof PurgeAlbumMessage>;

/** Variants queue: re-wrap an account's content keys under its new master key, one batch per message. */
export const RewrapKeysMessage = z.object({
  type: z.literal('rewrap-keys'),
  ownerId: z.string().min(1),
  targetVersion: z.number().int().positive(),
});
export type RewrapKeysMessage = z.infer<typeof RewrapKeysMessage>;

/** Variants queue: delete one page of an account's things, then queue the next, until the account is gone. */
export const DeleteAccountMessage = z.object({
  type: z.literal('delete-account'),
  ownerId: z.string().min(1),
  /** The account's API keys when deletion was asked for (deleted then), whose rate-limit buckets go at the end. */
  keyIds: z.array(z.string().min(1)).max(10_000),
});
export type DeleteAccountMessage = z.infer<typeof DeleteAccountMessage>;

/** Variants queue: build a data export's archives (`POST /v1/me/export`). */
export const BuildExportMessage = z.object({
  type: z.literal('build-export'),
  ownerId: z.string().min(1),
  exportId: z.string().min(1),
});
export type BuildExportMessage = z.infer<typeof BuildExportMessage>;
/**
 * Variants queue: work out an image's colours, placeholder and (with an AI engine) labels, text and caption.
 * Sent after an upload is stored and by POST /v1/images/{id}/analyze (`force`: redo what is stored).
 */
export const AnalyzeImageMessage = z.object({
  type: z.literal('analyze'),
  imageId: z.string().min(1),
  ownerId: z.string().min(1),
  force: z.boolean().optional(),
});
export type AnalyzeImageMessage = z.infer<typeof AnalyzeImageMessage>;

/**
 * Variants queue: embed an analysed image's text again after its owner changed its title, alt text, description
 * or tags, so search by meaning follows the edit (the stored analysis is reused: no model but the embedding runs).
 */
export const EmbedImageMessage = z.object({
  type: z.literal('embed'),
  imageId: z.string().min(1),
  ownerId: z.string().min(1),
});
export type EmbedImageMessage = z.infer<typeof EmbedImageMessage>;

/**
 * Variants queue: one page of an owner's backfill (images never analysed, failed, or missing this engine's
 * embedding get an `analyze` message), then the next page after `after` (the last image id seen).
 */
export const BackfillAnalysisMessage = z.object({
  type: z.literal('backfill-analysis'),
  ownerId: z.string().min(1),
  after: z.string().optional(),
});
export type BackfillAnalysisMessage = z.infer<typeof BackfillAnalysisMessage>;

/** Everything the variants queue carries. */
export const VariantsQueueMessage = z.discriminatedUnion('type', [
  GenerateVariantsMessage,
  PurgeAlbumMessage,
  RewrapKeysMessage,
  DeleteAccountMessage,
  BuildExportMessage,
  AnalyzeImageMessage,
  EmbedImageMessage,
  BackfillAnalysisMessage,
]);
export type VariantsQueueMessage = z.infer<typeof VariantsQueueMessage>;

/** Webhooks queue: one event for one endpoint. */
export const WebhookJob = z.object({ webhookId: z.string().min(1), event: WebhookEnvelopeSchema });
export type WebhookJob = z.infer<typeof WebhookJob>;

/** Checks a webhooks-queue body without rebuilding it: the event is delivered byte for byte as it was queued. */
export function isWebhookJob(body: unknown): body is WebhookJob {
  return WebhookJob.safeParse(body).success;
}

/** Backups queue: copy an image's original and sidecar to its owner's bucket (upload, rename, move, restore). */
export const BackupImageMessage = z.object({
  type: z.literal('backup'),
  ownerId: z.string().min(1),
  imageId: z.string().min(1),
});

/** Backups queue: an image was purged; its backup goes too when the owner's policy says `delete`. */
export const DeleteBackupMessage = z.object({
  type: z.literal('delete'),
  ownerId: z.string().min(1),
  imageId: z.string().min(1),
  /** The original's extension: the row is gone by the time this is consumed. */
  extension: z.string().min(1),
});

export const BackupsQueueMessage = z.discriminatedUnion('type', [BackupImageMessage, DeleteBackupMessage]);
export type BackupsQueueMessage = z.infer<typeof BackupsQueueMessage>;

/** Queue `sendBatch` accepts at most this many messages. */
const SEND_BATCH_LIMIT = 100;

/**
 * Queues a variants message, checked first: a malformed one would never succeed, and its consumer can only drop
 * it, so the producer hears of it instead (a thrown ZodError).
 */
export async function sendVariantsMessage(
  queue: Queue<VariantsQueueMessage>,
  message: VariantsQueueMessage,
): Promise<void> {
  await queue.send(VariantsQueueMessage.parse(message));
}

/** Queues variants messages, checked first, in batches the queue accepts. */
export async function sendVariantsMessages(
  queue: Queue<VariantsQueueMessage>,
  messages: readonly VariantsQueueMessage[],
): Promise<void> {
  const checked = messages.map((message) => VariantsQueueMessage.parse(message));
  for (let i = 0; i < checked.length; i += SEND_BATCH_LIMIT) {
    await queue.sendBatch(checked.slice(i, i + SEND_BATCH_LIMIT).map((body) => ({ body })));
  }
}

/** Queues backup messages, checked first, in batches the queue accepts. */
export async function sendBackupMessages(
  queue: Queue<BackupsQueueMessage>,
  messages: readonly BackupsQueueMessage[],
): Promise<void> {
  const checked = messages.map((message) => BackupsQueueMessage.parse(message));
  for (let i = 0; i < checked.length; i += SEND_BATCH_LIMIT) {
    await queue.sendBatch(checked.slice(i, i + SEND_BATCH_LIMIT).map((body) => ({ body })));
  }
}

/** Queues webhook jobs in batches the queue accepts. They are built from typed rows, so not parsed again. */
export async function sendWebhookJobs(queue: Queue<WebhookJob>, jobs: readonly WebhookJob[]): Promise<void> {
  for (let i = 0; i < jobs.length; i += SEND_BATCH_LIMIT) {
    await queue.sendBatch(jobs.slice(i, i + SEND_BATCH_LIMIT).map((body) => ({ body })));
  }
}

/**
 * Domains queue: poll Cloudflare once for a custom domain's verification. `poll` numbers the polls of one run
 * (1 to CUSTOM_DOMAIN_VERIFICATION.maxPolls); a poll runs only when the row has done `poll - 1`, so a redelivered
 * or duplicated message changes nothing.
 */
export const DomainsQueueMessage = z.object({
  type: z.literal('verify-domain'),
  domainId: z.string().min(1),
  ownerId: z.string().min(1),
  poll: z.number().int().positive(),
});
export type DomainsQueueMessage = z.infer<typeof DomainsQueueMessage>;

export async function sendDomainsMessage(
  queue: Queue<DomainsQueueMessage>,
  message: DomainsQueueMessage,
  delaySeconds: number,
): Promise<void> {
  await queue.send(DomainsQueueMessage.parse(message), { delaySeconds });
}
