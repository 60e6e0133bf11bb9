import { ENCRYPTED_RENDITIONS, ENCRYPTION_LIMITS } from '@pixelflare/config';
import { z } from 'zod';
import { IsoDateTime } from '../common';
import {
  KEY_BUNDLE_FORMAT,
  KEY_BUNDLE_VERSION,
  MIN_PASSPHRASE_LENGTH,
  MIN_PBKDF2_ITERATIONS,
} from './bundle';

export const EncryptionStatusSchema = z
  .object({
    enabled: z.boolean(),
    encrypt_by_default: z
      .boolean()
      .meta({ description: 'Uploads are encrypted unless they send encrypt=false' }),
    current_key_version: z.number().int().meta({ description: 'TMK version new images use; 0 when off' }),
    enabled_at: IsoDateTime.nullable(),
    key_versions: z.array(
      z.object({
        version: z.number().int(),
        fingerprint: z.string().meta({ description: 'Public fingerprint of the key (never the key)' }),
        created_at: IsoDateTime,
      }),
    ),
    rewrap: z
      .object({ target_version: z.number().int(), done: z.number().int() })
      .nullable()
      .meta({ description: 'Content keys being re-wrapped after a rotation; null when none is running' }),
    encrypted_images: z.number().int(),
  })
  .meta({ id: 'EncryptionStatus' });
export type EncryptionStatus = z.infer<typeof EncryptionStatusSchema>;

export const EncryptionEnableSchema = z
  .object({ encrypt_by_default: z.boolean().optional() })
  .meta({ id: 'EncryptionEnable' });

export const EncryptionSettingsSchema = z
  .object({ encrypt_by_default: z.boolean() })
  .meta({ id: 'EncryptionSettings' });

export const AccessTokenRequestSchema = z
  .object({
    ttl: z
      .number()
      .int()
      .min(ENCRYPTION_LIMITS.tokenMinSeconds)
      .max(ENCRYPTION_LIMITS.tokenMaxSeconds)
      .optional()
      .meta({
        description: `Lifetime in seconds: ${ENCRYPTION_LIMITS.tokenMinSeconds} to ${ENCRYPTION_LIMITS.tokenMaxSeconds} (7 days); default ${ENCRYPTION_LIMITS.tokenDefaultSeconds}`,
      }),
    rendition: z
      .enum(['original', ...ENCRYPTED_RENDITIONS])
      .optional()
      .meta({ description: 'Bind the token to one rendition; without it the token opens every one' }),
  })
  .meta({ id: 'AccessTokenRequest' });
export type AccessTokenRequest = z.infer<typeof AccessTokenRequestSchema>;

export const AccessTokenSchema = z
  .object({
    url: z.string().meta({ description: 'CDN URL carrying the token (`?token=`)' }),
    token: z.string(),
    rendition: z.string().nullable(),
    expires_at: IsoDateTime,
  })
  .meta({ id: 'AccessToken' });
export type AccessToken = z.infer<typeof AccessTokenSchema>;

export const PreviewTokensRequestSchema = z
  .object({ image_ids: z.array(z.string().min(1).max(64)).min(1).max(100) })
  .meta({ id: 'PreviewTokensRequest' });

export const PreviewTokensSchema = z
  .object({
    previews: z.record(
      z.string(),
      z.object({ thumb: z.string(), w256: z.string(), w1024: z.string(), original: z.string() }),
    ),
    expires_at: IsoDateTime,
  })
  .meta({
    id: 'PreviewTokens',
    description:
      'Token URLs for the dashboard to show encrypted images (ids that are not yours are left out)',
  });
export type PreviewTokens = z.infer<typeof PreviewTokensSchema>;

export const KeyExportRequestSchema = z
  .object({
    passphrase: z
      .string()
      .min(MIN_PASSPHRASE_LENGTH)
      .max(1024)
      .meta({ description: `At least ${MIN_PASSPHRASE_LENGTH} characters; it is never stored` }),
  })
  .meta({ id: 'KeyExportRequest' });

export const KeyBundleSchema = z
  .object({
    format: z.literal(KEY_BUNDLE_FORMAT),
    version: z.literal(KEY_BUNDLE_VERSION),
    owner_id: z.string(),
    created_at: IsoDateTime,
    kdf: z.object({
      name: z.literal('PBKDF2'),
      hash: z.literal('SHA-256'),
      iterations: z.number().int().min(MIN_PBKDF2_ITERATIONS),
      salt: z.string(),
    }),
    keys: z.array(z.object({ version: z.number().int(), fingerprint: z.string(), wrapped: z.string() })),
  })
  .meta({ id: 'KeyBundle', description: 'Every master key of the account, sealed under the passphrase' });

export const EncryptedImageKeySchema = z
  .object({
    image_id: z.string(),
    owner_id: z.string(),
    wrapped_key: z.string().meta({ description: '`v<tmk version>.<wrapped CEK>`' }),
    content_type: z.string(),
    storage_key: z.string(),
    renditions: z.record(z.string(), z.string()).meta({ description: 'Rendition name → R2 key' }),
  })
  .meta({
    id: 'EncryptedImageKey',
    description: 'What the offline decrypt needs besides the bundle: save it beside the R2 object',
  });
export type EncryptedImageKey = z.infer<typeof EncryptedImageKeySchema>;

export const RootKeyRewrapRequestSchema = z
  .object({
    dry_run: z.boolean().default(true).meta({ description: 'Check only (the default); false re-wraps' }),
  })
  .meta({ id: 'RootKeyRewrapRequest' });

export const RootKeyRewrapSchema = z
  .object({
    dry_run: z.boolean(),
    root_key_id: z.string().meta({ description: 'Fingerprint of the configured root key' }),
    rewrapped: z.number().int().meta({ description: 'Master keys moved (or, in a dry run, to move) to it' }),
    current: z.number().int().meta({ description: 'Master keys already under it' }),
    unreadable: z.array(z.object({ owner_id: z.string(), version: z.number().int() })).meta({
      description: 'Master keys under neither key: configure the right ENCRYPTION_ROOT_KEY_PREVIOUS',
    }),
  })
  .meta({ id: 'RootKeyRewrap' });
