export const WEBHOOK_EVENTS = [
  'image.uploaded',
  'image.updated',
  'image.deleted',
  'image.restored',
  'image.purged',
  'image.variants_ready',
  'album.created',
  'album.updated',
  'album.deleted',
  'domain.active',
  'domain.failed',
  'export.ready',
  'export.failed',
  'share.viewed',
  'share.expired',
  'usage.threshold',
] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

export const WEBHOOK_DELIVERY = {
  timeoutMs: 10_000,
  maxAttempts: 8,
  /** Base delay of the exponential backoff; attempt n waits about base * 4^(n-1), capped. */
  backoffBaseSeconds: 30,
  backoffMaxSeconds: 6 * 60 * 60,
  /** Response bytes kept in the delivery log. */
  responseSnippetBytes: 1024,
  /** An endpoint failing this many days in a row is disabled. */
  disableAfterFailingDays: 5,
  /** After a rotation the previous secret keeps signing for this long. */
  secretRotationOverlapSeconds: 24 * 60 * 60,
} as const;
