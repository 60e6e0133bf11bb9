import { WEBHOOK_EVENTS } from '@pixelflare/config';
import { z } from 'zod';
import { IsoDateTime } from './common';

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
    attempt: z.number().int(),
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
