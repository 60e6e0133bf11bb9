import { USAGE_LIMIT_NAMES, WEBHOOK_DELIVERY, WEBHOOK_EVENTS, type WebhookEvent } from '@pixelflare/config';
import { z } from 'zod';
import { AlbumSchema } from './albums';
import { IsoDateTime } from './common';
import { CustomDomainSchema } from './domains';
import { DataExportSchema } from './exports';
import { ImageSchema } from './images';
import { ShareLinkSchema } from './share-links';

export const WebhookEventSchema = z.enum(WEBHOOK_EVENTS).meta({ id: 'WebhookEvent' });

const WebhookUrl = z
  .url({ protocol: /^https?$/ })
  .max(2048)
  .meta({ description: 'Where events are POSTed (http or https)', example: 'https://example.com/hooks' });

export const WebhookCreateSchema = z
  .object({
    url: WebhookUrl,
    events: z
      .array(WebhookEventSchema)
      .max(WEBHOOK_EVENTS.length)
      .default([])
      .meta({ description: 'Events to receive; empty or omitted means every event' }),
    description: z.string().trim().max(500).optional(),
    active: z.boolean().default(true),
  })
  .meta({ id: 'WebhookCreate' });

export const WebhookUpdateSchema = z
  .object({
    url: WebhookUrl.optional(),
    events: z.array(WebhookEventSchema).max(WEBHOOK_EVENTS.length).optional(),
    description: z.string().trim().max(500).nullable().optional(),
    active: z
      .boolean()
      .optional()
      .meta({ description: 'Re-activating a disabled endpoint clears its disabled reason' }),
  })
  .meta({ id: 'WebhookUpdate' });

export const WebhookSchema = z
  .object({
    id: z.string(),
    url: z.string(),
    events: z.array(WebhookEventSchema).meta({ description: 'Empty means every event' }),
    description: z.string().nullable(),
    active: z.boolean(),
    disabled_reason: z
      .string()
      .nullable()
      .meta({ description: 'Why delivery stopped, when the endpoint was disabled automatically' }),
    disabled_at: IsoDateTime.nullable(),
    failing_since: IsoDateTime.nullable(),
    previous_secret_expires_at: IsoDateTime.nullable().meta({
      description: 'Until then deliveries are signed with both the new and the previous secret',
    }),
    created_at: IsoDateTime,
    updated_at: IsoDateTime,
  })
  .meta({ id: 'Webhook' });

export const WebhookWithSecretSchema = WebhookSchema.extend({
  secret: z
    .string()
    .meta({ description: 'Signing secret (`whsec_...`). Shown only in this response; store it now.' }),
}).meta({ id: 'WebhookWithSecret' });

export const WebhookListSchema = z.object({ data: z.array(WebhookSchema) }).meta({ id: 'WebhookList' });

export const WebhookIdParam = z.object({ id: z.string().min(1).max(64) });

export type WebhookCreate = z.infer<typeof WebhookCreateSchema>;
export type WebhookUpdate = z.infer<typeof WebhookUpdateSchema>;
export type Webhook = z.infer<typeof WebhookSchema>;
export type WebhookWithSecret = z.infer<typeof WebhookWithSecretSchema>;

export const WebhookDeliverySchema = z
  .object({
    id: z.string(),
    event_id: z.string(),
    event_type: z.string(),
    attempt: z
      .number()
      .int()
      .meta({
        description: `Numbered per trigger: automatic attempts 1 to ${WEBHOOK_DELIVERY.maxAttempts}, manual sends from 1 on their own`,
      }),
    trigger: z.enum(['automatic', 'manual']).meta({
      description:
        '`automatic`: a queue attempt (these make up the retry budget); `manual`: a redeliver or test ping, which uses none of it',
    }),
    status: z.enum(['pending', 'succeeded', 'failed', 'dead']),
    response_status: z.number().int().nullable(),
    response_snippet: z.string().nullable().meta({ description: 'The first bytes of the response body' }),
    error: z.string().nullable(),
    duration_ms: z.number().int().nullable(),
    created_at: IsoDateTime,
  })
  .meta({ id: 'WebhookDelivery' });

export const WebhookDeliveryListSchema = z
  .object({ data: z.array(WebhookDeliverySchema) })
  .meta({ id: 'WebhookDeliveryList' });

export const WebhookDeliveryParams = z.object({
  id: z.string().min(1).max(64),
  deliveryId: z.string().min(1).max(64),
});

export type WebhookDelivery = z.infer<typeof WebhookDeliverySchema>;

export const ImageVariantsReadySchema = ImageSchema.extend({
  variants: z
    .array(z.string())
    .meta({ description: 'Every ready variant as `preset.format`, sorted', example: ['thumb.avif'] }),
}).meta({ id: 'ImageVariantsReady' });

/** `usage.threshold`: an account's use of one limit first reached 80 % or 100 % in the period. */
export const UsageThresholdEventSchema = z
  .object({
    limit: z.enum(USAGE_LIMIT_NAMES).meta({ description: 'Which limit: image count, storage or bandwidth' }),
    percent: z.union([z.literal(80), z.literal(100)]),
    used: z.number().int().meta({ description: 'Images, or bytes, when the threshold was reached' }),
    max: z.number().int().meta({ description: "The plan's limit" }),
    plan: z.string(),
    period: z.string().meta({ description: 'The billing period, `YYYY-MM` (calendar month, UTC)' }),
  })
  .meta({ id: 'UsageThresholdEvent' });

/**
 * What `data` holds per event type: the resource exactly as the REST API returns it (after the change; for
 * `image.purged` and `album.deleted` the last state before it was removed).
 */
export const WEBHOOK_EVENT_DATA = {
  'image.uploaded': ImageSchema,
  'image.updated': ImageSchema,
  'image.deleted': ImageSchema,
  'image.restored': ImageSchema,
  'image.purged': ImageSchema,
  'image.variants_ready': ImageVariantsReadySchema,
  'album.created': AlbumSchema,
  'album.updated': AlbumSchema,
  'album.deleted': AlbumSchema,
  'domain.active': CustomDomainSchema,
  'domain.failed': CustomDomainSchema,
  'export.ready': DataExportSchema,
  'export.failed': DataExportSchema,
  'share.viewed': ShareLinkSchema,
  'share.expired': ShareLinkSchema,
  'usage.threshold': UsageThresholdEventSchema,
} as const satisfies Record<WebhookEvent, z.ZodType>;

export type WebhookEventData<T extends WebhookEvent> = z.infer<(typeof WEBHOOK_EVENT_DATA)[T]>;

/** The JSON body of every delivery. */
export const WebhookEnvelopeSchema = z
  .object({
    id: z.string().meta({ description: 'Event id (`evt_...`), also the `webhook-id` header: dedupe by it' }),
    type: z.string().meta({ description: 'One of the webhook events, or `ping` from the test route' }),
    created_at: IsoDateTime.meta({ description: 'When the change happened' }),
    owner: z.string().meta({ description: 'Id of the user who owns the resource (`usr_...`)' }),
    data: z.record(z.string(), z.unknown()).meta({ description: 'The resource as the API returns it' }),
  })
  .meta({ id: 'WebhookEnvelope' });
export type WebhookEnvelope = z.infer<typeof WebhookEnvelopeSchema>;
