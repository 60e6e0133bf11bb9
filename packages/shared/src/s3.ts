import { z } from 'zod';
import { IsoDateTime } from './common';

/** What an S3 access key may do: `read` (Get, Head, List) or `write` (also Put, Delete, multipart). */
export const S3KeyScope = z.enum(['read', 'write']);

export const S3AccessKeyCreateSchema = z
  .object({
    name: z.string().trim().min(1).max(100),
    scope: S3KeyScope.meta({
      description:
        '`read`: GetObject, HeadObject, ListObjectsV2; `write`: also PutObject, DeleteObject, multipart',
    }),
  })
  .meta({ id: 'S3AccessKeyCreate' });

export const S3AccessKeySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    access_key_id: z.string().meta({ description: 'The public half of the pair (AWS_ACCESS_KEY_ID)' }),
    scope: S3KeyScope,
    last_used_at: IsoDateTime.nullable().meta({ description: 'Updated at most once a minute' }),
    revoked_at: IsoDateTime.nullable(),
    created_at: IsoDateTime,
  })
  .meta({ id: 'S3AccessKey' });

export const S3AccessKeyCreatedSchema = S3AccessKeySchema.extend({
  secret_access_key: z.string().meta({
    description: 'The secret half (AWS_SECRET_ACCESS_KEY). Shown only in this response; store it now.',
  }),
  endpoint: z.string().meta({ description: 'The S3 endpoint URL to give your tool (path-style)' }),
  bucket: z.string().meta({ description: 'Your bucket: your account slug' }),
}).meta({ id: 'S3AccessKeyCreated' });

export const S3AccessKeyListSchema = z
  .object({ data: z.array(S3AccessKeySchema) })
  .meta({ id: 'S3AccessKeyList' });

export const S3AccessKeyIdParam = z.object({ id: z.string().min(1).max(64) });

export type S3AccessKeyCreate = z.infer<typeof S3AccessKeyCreateSchema>;
export type S3AccessKey = z.infer<typeof S3AccessKeySchema>;
export type S3AccessKeyCreated = z.infer<typeof S3AccessKeyCreatedSchema>;
