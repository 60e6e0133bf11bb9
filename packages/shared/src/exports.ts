import { z } from 'zod';
import { IsoDateTime } from './common';

export const DataExportStatusSchema = z
  .enum(['queued', 'building', 'ready', 'failed'])
  .meta({ id: 'DataExportStatus', description: 'queued → building → ready (or failed)' });

export const DataExportArchiveSchema = z
  .object({
    part: z.number().int().positive().meta({ description: 'Archives are numbered from 1, in order' }),
    bytes: z.number().int().nonnegative(),
    images: z.number().int().nonnegative().meta({ description: 'Originals in this archive' }),
    download_url: z.url().meta({
      description:
        'A link that downloads this archive without an API key until the export expires: treat it as a secret',
    }),
  })
  .meta({ id: 'DataExportArchive' });

export const DataExportSchema = z
  .object({
    id: z.string(),
    status: DataExportStatusSchema,
    image_count: z.number().int().nonnegative(),
    bytes: z.number().int().nonnegative().meta({ description: 'Size of all archives together' }),
    archives: z.array(DataExportArchiveSchema).meta({ description: 'Empty until the export is ready' }),
    error: z.string().nullable().meta({ description: 'Why a failed export failed' }),
    created_at: IsoDateTime,
    completed_at: IsoDateTime.nullable(),
    expires_at: IsoDateTime.nullable().meta({ description: 'When the archives are deleted' }),
  })
  .meta({ id: 'DataExport' });

export const DataExportListSchema = z
  .object({ data: z.array(DataExportSchema) })
  .meta({ id: 'DataExportList', description: 'The most recent exports, newest first' });

export const DataExportParams = z.object({ id: z.string().min(1).max(64) });
export const DataExportArchiveParams = DataExportParams.extend({
  part: z.coerce.number().int().positive().max(10_000),
});
export const DataExportDownloadQuery = z.object({
  expires: z.coerce.number().int().positive(),
  sig: z.string().min(1).max(128),
});

export type DataExport = z.infer<typeof DataExportSchema>;
