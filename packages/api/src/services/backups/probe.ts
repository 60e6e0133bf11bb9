import { BACKUPS, BACKUP_TEST_STEPS, type BackupTestStep } from '@pixelflare/config';
import type { BackupTestResult } from '@pixelflare/shared';
import { clientFor, type BackupConfigRow, type BackupSettings } from './config';
import { S3Error, type S3Client } from '@pixelflare/s3';

type StepResult = BackupTestResult['steps'][number];

const failure = (step: BackupTestStep, error: unknown): StepResult =>
  error instanceof S3Error
    ? { step, ok: false, status: error.status, code: error.code, message: error.message }
    : {
        step,
        ok: false,
        status: null,
        code: null,
        message: error instanceof Error ? error.message : String(error),
      };

/**
 * Writes, reads back, lists and deletes a small probe object under the prefix, stopping at the first step that
 * fails and reporting S3's status and error code for it. Nothing is left behind when a later step fails: the probe
 * is deleted on the way out whenever it was written.
 */
export async function testBackupConnection(
  settings: BackupSettings,
  row: BackupConfigRow,
): Promise<BackupTestResult> {
  const key = `${row.prefix}${BACKUPS.probeKeySuffix}-${crypto.randomUUID()}`;
  const body = new TextEncoder().encode(`pixelflare backup probe ${new Date().toISOString()}\n`);
  const steps: StepResult[] = [];
  let client: S3Client;
  try {
    client = await clientFor(settings, row);
  } catch (error) {
    steps.push(failure('write', error));
    return { ok: false, steps, failed_step: 'write' };
  }
  const run: Record<BackupTestStep, () => Promise<void>> = {
    write: async () => void (await client.putObject(key, body, { contentType: 'text/plain' })),
    read: async () => {
      const got = await client.getObject(key);
      if (!got) throw new S3Error(404, 'NoSuchKey', 'the probe just written could not be read back');
      const read = new Uint8Array(await new Response(got.body).arrayBuffer());
      if (read.length !== body.length || read.some((byte, i) => byte !== body[i])) {
        throw new S3Error(200, 'ContentMismatch', 'the probe read back differs from what was written');
      }
    },
    list: async () => {
      const keys = await client.listKeys(key, 10);
      if (!keys.includes(key))
        throw new S3Error(200, 'NotListed', 'the probe is missing from the bucket listing');
    },
    delete: async () => {
      await client.deleteObject(key);
      written = false;
    },
  };
  let written = false;
  for (const step of BACKUP_TEST_STEPS) {
    try {
      await run[step]();
      if (step === 'write') written = true;
      steps.push({ step, ok: true, status: null, code: null, message: null });
    } catch (error) {
      steps.push(failure(step, error));
      if (written) await client.deleteObject(key).catch(() => undefined);
      return { ok: false, steps, failed_step: step };
    }
  }
  return { ok: true, steps, failed_step: null };
}
