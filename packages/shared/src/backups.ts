import { BACKUP_STATES, BACKUP_TEST_STEPS } from '@pixelflare/config';
import { z } from 'zod';
import { IsoDateTime } from './common';

/** S3 bucket names (the common rules of AWS, R2, B2 and MinIO): 3–63 lower-case letters, digits, dots, hyphens. */
const BucketName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be 3–63 lower-case letters, digits, dots or hyphens')
  .meta({ example: 'my-image-backups' });

export const BackupConfigInputSchema = z
  .object({
    endpoint: z
      .url({ protocol: /^https?$/ })
      .max(2048)
      .meta({
        description:
          'The S3 endpoint, without the bucket (https://s3.eu-west-1.amazonaws.com, https://<account>.r2.cloudflarestorage.com)',
        example: 'https://s3.eu-west-1.amazonaws.com',
      }),
    region: z.string().trim().min(1).max(64).default('auto').meta({ example: 'eu-west-1' }),
    bucket: BucketName,
    prefix: z
      .string()
      .max(512)
      .regex(/^[^\\]*$/, 'must not contain backslashes')
      .default('')
      .meta({
        description: 'Put before every key; end it with / to make it a folder',
        example: 'pixelflare/',
      }),
    access_key_id: z.string().trim().min(1).max(256),
    secret_access_key: z
      .string()
      .min(8)
      .max(512)
      .meta({ description: 'Stored encrypted; never returned (only its last four characters are shown)' }),
    path_style: z
      .boolean()
      .default(true)
      .meta({ description: 'endpoint/bucket/key (true, works everywhere) or bucket.endpoint/key (false)' }),
    enabled: z.boolean().default(true),
    on_purge: z
      .enum(['keep', 'delete'])
      .default('keep')
      .meta({ description: 'When an image is purged from the trash: keep its backup, or delete it too' }),
    byos: z.boolean().default(false).meta({
      description:
        'Bring your own storage: originals live only in this bucket (moved there after each verified backup; the CDN fetches them on a miss, renditions stay in Pixelflare). Off by default; turning it off brings the originals back. Needs enabled: true',
    }),
  })
  .meta({ id: 'BackupConfigInput' });
export type BackupConfigInput = z.infer<typeof BackupConfigInputSchema>;

export const BackupConfigSchema = z
  .object({
    endpoint: z.string(),
    region: z.string(),
    bucket: z.string(),
    prefix: z.string(),
    access_key_id: z.string(),
    secret_last_four: z.string().meta({ description: 'The last four characters of the stored secret' }),
    path_style: z.boolean(),
    enabled: z.boolean(),
    on_purge: z.enum(['keep', 'delete']),
    byos: z.boolean(),
    created_at: IsoDateTime,
    updated_at: IsoDateTime,
  })
  .meta({ id: 'BackupConfig' });
export type BackupConfig = z.infer<typeof BackupConfigSchema>;

export const BackupTestStepSchema = z.enum(BACKUP_TEST_STEPS);

export const BackupTestResultSchema = z
  .object({
    ok: z.boolean(),
    steps: z.array(
      z.object({
        step: BackupTestStepSchema,
        ok: z.boolean(),
        status: z
          .number()
          .int()
          .nullable()
          .meta({ description: 'The HTTP status S3 answered; null when unreachable' }),
        code: z
          .string()
          .nullable()
          .meta({ description: 'The S3 error code (SignatureDoesNotMatch, NoSuchBucket...)' }),
        message: z.string().nullable(),
      }),
    ),
    failed_step: BackupTestStepSchema.nullable(),
  })
  .meta({ id: 'BackupTestResult' });
export type BackupTestResult = z.infer<typeof BackupTestResultSchema>;

export const BackupStateSchema = z.enum(BACKUP_STATES);

export const BackupStatusSchema = z
  .object({
    configured: z.boolean(),
    enabled: z.boolean(),
    counts: z.object({ none: z.number(), pending: z.number(), done: z.number(), failed: z.number() }),
    originals_in_bucket: z.number().int().meta({
      description:
        'Bring your own storage: how many originals live only in your bucket (moved there by the backups job)',
    }),
    last_success_at: IsoDateTime.nullable(),
    last_error: z.string().nullable(),
    last_error_at: IsoDateTime.nullable(),
  })
  .meta({ id: 'BackupStatus' });
export type BackupStatus = z.infer<typeof BackupStatusSchema>;

export const ImageBackupSchema = z
  .object({
    status: BackupStateSchema,
    error: z.string().nullable().meta({ description: 'S3’s error of the last failed attempt' }),
    at: IsoDateTime.nullable().meta({ description: 'When the last attempt ended' }),
    attempts: z.number().int().meta({ description: 'Failed attempts in a row' }),
    original_in: z.enum(['r2', 'byos']).meta({
      description:
        'Where the original is: Pixelflare’s storage, or only your bucket (bring your own storage)',
    }),
    key: z
      .string()
      .nullable()
      .meta({ description: 'The original’s key in your bucket (null without a destination)' }),
  })
  .meta({ id: 'ImageBackup' });
export type ImageBackup = z.infer<typeof ImageBackupSchema>;

export const BackupSyncResultSchema = z.object({ queued: z.number().int() }).meta({ id: 'BackupSyncResult' });

export const BackupRestoreInputSchema = z
  .union([
    z.object({ image_ids: z.array(z.string().min(1).max(64)).min(1).max(100) }),
    z.object({
      all: z.literal(true),
      after: z.string().max(64).optional().meta({ description: 'The `next` of the previous answer' }),
    }),
  ])
  .meta({ id: 'BackupRestoreInput' });
export type BackupRestoreInput = z.infer<typeof BackupRestoreInputSchema>;

export const BackupRestoreResultSchema = z
  .object({
    restored: z
      .array(z.string())
      .meta({ description: 'Images whose original was brought back from the bucket' }),
    present: z.array(z.string()).meta({ description: 'Images whose original was already in storage' }),
    failed: z.array(z.object({ id: z.string(), reason: z.string() })),
    not_found: z.array(z.string()),
    more: z.boolean().meta({ description: 'More images remain; call again with `after: next`' }),
    next: z.string().nullable(),
  })
  .meta({ id: 'BackupRestoreResult' });
export type BackupRestoreResult = z.infer<typeof BackupRestoreResultSchema>;

export const BackupImportInputSchema = z
  .object({
    after: z
      .string()
      .max(1024)
      .optional()
      .meta({ description: 'The `next` of the previous answer (a key in your bucket)' }),
    from_owner: z
      .string()
      .regex(/^usr_[A-Za-z0-9]{1,60}$/)
      .optional()
      .meta({
        description:
          'The account id the backup was made under, when this account is new (a rebuilt instance): its folder `{prefix}{from_owner}/` is read. Defaults to your own id',
        example: 'usr_0mabc1234xyzabcdefghij',
      }),
  })
  .meta({ id: 'BackupImportInput' });
export type BackupImportInput = z.infer<typeof BackupImportInputSchema>;

export const BackupImportResultSchema = z
  .object({
    imported: z
      .array(z.string())
      .meta({ description: 'Images whose row was rebuilt from its sidecar and whose original was restored' }),
    present: z
      .array(z.string())
      .meta({ description: 'Images already in this instance with their original (left alone)' }),
    failed: z.array(z.object({ id: z.string(), reason: z.string() })),
    more: z.boolean().meta({ description: 'More sidecars remain; call again with `after: next`' }),
    next: z.string().nullable(),
  })
  .meta({ id: 'BackupImportResult' });
export type BackupImportResult = z.infer<typeof BackupImportResultSchema>;
