/** S3 backups: sizes, batches and the probe the connection test writes. */
export const BACKUPS = {
  /**
   * Originals up to this size go in one PUT (read into memory to compute Content-MD5); larger ones are a multipart
   * upload read from R2 one part at a time, so memory stays at one part whatever the image's size.
   */
  multipartThresholdBytes: 16 * 1024 * 1024,
  /** S3's smallest part (except the last) is 5 MiB; 8 MiB keeps a 5 GiB original under 700 parts. */
  partSizeBytes: 8 * 1024 * 1024,
  /** The 03:00 catch-up queues at most this many images per owner per run (the seed's batch). */
  catchUpPerOwner: 100,
  /** Owners the catch-up visits per run; the rest are reached on the next run. */
  catchUpOwnersPerRun: 500,
  /** A failed image waits 2^(attempts-1) hours (capped) before the catch-up queues it again. */
  failedBackoffBaseSeconds: 3600,
  failedBackoffMaxSeconds: 7 * 24 * 3600,
  /** Restore works through at most this many images per request; the answer says whether more remain. */
  restorePerRequest: 100,
  /** How long one S3 request may take before it counts as unreachable. */
  requestTimeoutMs: 30_000,
  /** The connection test's probe, under the configured prefix. */
  probeKeySuffix: '.pixelflare-probe',
  /** Where an image's original and sidecar live in the bucket, under `{prefix}{owner}/{imageId}/`. */
  originalName: 'original',
  sidecarName: 'image.json',
} as const;

export const BACKUP_STATES = ['none', 'pending', 'done', 'failed'] as const;
export type BackupState = (typeof BACKUP_STATES)[number];

/** The connection test's steps, in order; the first that fails ends the test. */
export const BACKUP_TEST_STEPS = ['write', 'read', 'list', 'delete'] as const;
export type BackupTestStep = (typeof BACKUP_TEST_STEPS)[number];
