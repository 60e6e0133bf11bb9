import { MB, UPLOAD_LIMITS } from '@pixelflare/config';
import type { UploadMetadata } from '@pixelflare/shared';
import { AppError } from '../../lib/errors';
import { ingestImage, type IngestDeps, type IngestResult } from '../ingest/ingest';

/** A one-shot upload over its limit: the answer names the two ways in that take larger files. */
export const oneShotTooLarge = () =>
  new AppError(
    413,
    'PAYLOAD_TOO_LARGE',
    `A one-shot upload (POST /v1/upload) carries at most ${UPLOAD_LIMITS.maxOneShotBytes / MB} MB; for larger files use a two-step upload (POST /v1/images, then PUT the bytes to its upload_url) or the resumable tus endpoint (/v1/uploads/tus)`,
  );

export interface OneShotInput {
  ownerId: string;
  /** The form's `file` field; its name is the filename unless the metadata gives one. */
  file: File;
  metadata: UploadMetadata;
  allowDuplicate?: boolean;
}

/** `POST /v1/upload`: the form's file, held in memory (at most the one-shot limit), through the one ingest path. */
export async function ingestOneShot(deps: IngestDeps, input: OneShotInput): Promise<IngestResult> {
  if (input.file.size > deps.limits.maxBytes['one-shot']) throw oneShotTooLarge();
  return ingestImage(deps, {
    ownerId: input.ownerId,
    bytes: new Uint8Array(await input.file.arrayBuffer()),
    metadata: { ...input.metadata, filename: input.metadata.filename ?? input.file.name },
    allowDuplicate: input.allowDuplicate,
    way: 'one-shot',
  });
}
