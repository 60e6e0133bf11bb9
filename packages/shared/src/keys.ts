import { API_SCOPES, SCOPE_SHORTHANDS } from '@pixelflare/config';
import { z } from 'zod';
import { IsoDateTime } from './common';

/** A scope as requested when creating a key: any scope, or the `read` / `write` shorthands. */
export const RequestedScope = z.enum([
  ...API_SCOPES,
  ...(Object.keys(SCOPE_SHORTHANDS) as (keyof typeof SCOPE_SHORTHANDS)[]),
]);

export const ApiKeyCreateSchema = z
  .object({
    name: z.string().trim().min(1).max(100),
    scopes: z
      .array(RequestedScope)
      .min(1)
      .meta({ description: 'Scopes for the key; `read` and `write` expand. Cannot exceed your own.' }),
    expires_at: IsoDateTime.optional().meta({ description: 'When the key stops working; never if omitted' }),
    turnstile_token: z.string().max(2048).optional().meta({
      description:
        "The Turnstile widget's token, when bot protection is on (TURNSTILE_SECRET_KEY) and the request is signed in by a session; never asked of an API key",
    }),
  })
  .meta({ id: 'ApiKeyCreate' });

export const ApiKeySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    prefix: z.string().meta({ description: 'The first characters of the key, for recognising it' }),
    scopes: z.array(z.enum(API_SCOPES)),
    expires_at: IsoDateTime.nullable(),
    last_used_at: IsoDateTime.nullable().meta({ description: 'Updated at most once a minute' }),
    revoked_at: IsoDateTime.nullable(),
    created_at: IsoDateTime,
  })
  .meta({ id: 'ApiKey' });

export const ApiKeyCreatedSchema = ApiKeySchema.extend({
  key: z.string().meta({ description: 'The secret key. Shown only in this response; store it now.' }),
}).meta({ id: 'ApiKeyCreated' });

export const ApiKeyListSchema = z.object({ data: z.array(ApiKeySchema) }).meta({ id: 'ApiKeyList' });

export const ApiKeyIdParam = z.object({ id: z.string().min(1).max(64) });

export type ApiKeyCreate = z.infer<typeof ApiKeyCreateSchema>;
export type ApiKey = z.infer<typeof ApiKeySchema>;
