import { createRoute } from '@hono/zod-openapi';
import {
  BackupConfigInputSchema,
  BackupConfigSchema,
  BackupImportInputSchema,
  BackupImportResultSchema,
  BackupRestoreInputSchema,
  BackupRestoreResultSchema,
  BackupStatusSchema,
  BackupSyncResultSchema,
  BackupTestResultSchema,
  ImageBackupSchema,
  ImageIdParam,
} from '@pixelflare/shared';
import { requireScope } from '../../middleware/auth';
import {
  errorResponse as error,
  AUTHED_ERRORS as common,
  BEARER_SECURITY as security,
} from '../../lib/openapi';

const tags = ['Backups'];

export const getBackupConfigRoute = createRoute({
  method: 'get',
  path: '/backup/config',
  operationId: 'getBackupConfig',
  tags,
  summary: 'Your S3 backup destination (the secret is never returned, only its last four characters)',
  security,
  middleware: [requireScope('backups:manage')] as const,
  responses: {
    200: { description: 'The destination', content: { 'application/json': { schema: BackupConfigSchema } } },
    ...common,
    404: error('No destination is configured'),
  },
});

export const putBackupConfigRoute = createRoute({
  method: 'put',
  path: '/backup/config',
  operationId: 'putBackupConfig',
  tags,
  summary: 'Set your S3-compatible backup destination (AWS S3, R2, B2, MinIO...)',
  description:
    'The endpoint follows the webhooks rule: private, loopback and link-local addresses are refused unless the instance allows private targets. The secret is stored encrypted (BACKUP_ENCRYPTION_KEY).',
  security,
  middleware: [requireScope('backups:manage')] as const,
  request: {
    body: { required: true, content: { 'application/json': { schema: BackupConfigInputSchema } } },
  },
  responses: {
    200: { description: 'The destination', content: { 'application/json': { schema: BackupConfigSchema } } },
    ...common,
    409: error(
      'Originals live only in this bucket (bring your own storage): it cannot be moved or disabled until they are back',
    ),
    503: error('BACKUP_ENCRYPTION_KEY is not set (MISCONFIGURED)'),
  },
});

export const deleteBackupConfigRoute = createRoute({
  method: 'delete',
  path: '/backup/config',
  operationId: 'deleteBackupConfig',
  tags,
  summary: 'Remove your backup destination (the bucket and its objects are left as they are)',
  security,
  middleware: [requireScope('backups:manage')] as const,
  responses: {
    204: { description: 'Removed' },
    ...common,
    404: error('No destination is configured'),
    409: error('Originals live only in this bucket (bring your own storage): turn byos off first'),
  },
});

export const testBackupConfigRoute = createRoute({
  method: 'post',
  path: '/backup/config/test',
  operationId: 'testBackupConfig',
  tags,
  summary: 'Write, read, list and delete a probe object; reports the step that failed and S3’s error code',
  security,
  middleware: [requireScope('backups:manage')] as const,
  responses: {
    200: {
      description: 'Each step’s result (ok is false when one failed)',
      content: { 'application/json': { schema: BackupTestResultSchema } },
    },
    ...common,
    404: error('No destination is configured'),
  },
});

export const getBackupStatusRoute = createRoute({
  method: 'get',
  path: '/backup/status',
  operationId: 'getBackupStatus',
  tags,
  summary: 'Your images by backup state, the last success and the last error',
  security,
  middleware: [requireScope('backups:manage')] as const,
  responses: {
    200: { description: 'The status', content: { 'application/json': { schema: BackupStatusSchema } } },
    ...common,
  },
});

export const syncBackupRoute = createRoute({
  method: 'post',
  path: '/backup/sync',
  operationId: 'syncBackup',
  tags,
  summary: 'Back up now: queue images not yet backed up (and failed ones past their backoff)',
  security,
  middleware: [requireScope('backups:manage')] as const,
  responses: {
    202: {
      description: 'How many were queued',
      content: { 'application/json': { schema: BackupSyncResultSchema } },
    },
    ...common,
    404: error('No destination is configured'),
    409: error('The destination is disabled'),
  },
});

export const restoreBackupRoute = createRoute({
  method: 'post',
  path: '/backup/restore',
  operationId: 'restoreBackup',
  tags,
  summary: 'Bring back originals missing from storage from your backups, verifying their hashes',
  security,
  middleware: [requireScope('backups:manage')] as const,
  request: {
    body: { required: true, content: { 'application/json': { schema: BackupRestoreInputSchema } } },
  },
  responses: {
    200: {
      description: 'What was restored, already present, failed or not found',
      content: { 'application/json': { schema: BackupRestoreResultSchema } },
    },
    ...common,
    404: error('No destination is configured'),
  },
});

export const importBackupRoute = createRoute({
  method: 'post',
  path: '/backup/import',
  operationId: 'importBackup',
  tags,
  summary: 'Rebuild your library in an empty instance from your backup bucket’s sidecars, one page per call',
  description:
    'Reads the sidecars (image.json) under your prefix in bounded pages, inserts each image as it was (same id, short id, path and storage key, so the same URLs) and restores its original with hash verification. Idempotent and resumable: call again with `after: next` while `more` is true.',
  security,
  middleware: [requireScope('backups:manage')] as const,
  request: {
    body: { required: false, content: { 'application/json': { schema: BackupImportInputSchema } } },
  },
  responses: {
    200: {
      description: 'What was imported, already present or failed (with the reason)',
      content: { 'application/json': { schema: BackupImportResultSchema } },
    },
    ...common,
    404: error('No destination is configured'),
    502: error('The bucket could not be listed'),
  },
});

export const getImageBackupRoute = createRoute({
  method: 'get',
  path: '/images/{id}/backup',
  operationId: 'getImageBackup',
  tags,
  summary: 'One image’s backup: its state, the last error, and where its original is',
  security,
  middleware: [requireScope('backups:manage')] as const,
  request: { params: ImageIdParam },
  responses: {
    200: {
      description: 'The image’s backup',
      content: { 'application/json': { schema: ImageBackupSchema } },
    },
    ...common,
    404: error('No such image'),
  },
});

export const backUpImageRoute = createRoute({
  method: 'post',
  path: '/images/{id}/backup',
  operationId: 'backUpImage',
  tags,
  summary: 'Back up this one image now',
  security,
  middleware: [requireScope('backups:manage')] as const,
  request: { params: ImageIdParam },
  responses: {
    202: { description: 'Queued', content: { 'application/json': { schema: BackupSyncResultSchema } } },
    ...common,
    404: error('No such image, or no destination is configured'),
    409: error('The destination is disabled'),
  },
});
