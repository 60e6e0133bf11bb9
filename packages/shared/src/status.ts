import { z } from 'zod';

export const DependencyCheckSchema = z.object({
  ok: z.boolean(),
  latency_ms: z
    .number()
    .int()
    .nonnegative()
    .meta({ description: 'How long the probe took, in milliseconds' }),
  /** The failing probe's error class only; details are in the Worker's logs. */
  error: z.string().optional(),
});

export const StatusSchema = z
  .object({
    status: z.enum(['ok', 'degraded']),
    version: z
      .string()
      .meta({ description: 'The release deployed (APP_VERSION); "dev" when not set by a deploy' }),
    commit: z
      .string()
      .meta({ description: 'The commit deployed (APP_COMMIT); "unknown" when not set by a deploy' }),
    environment: z.string(),
    checks: z.object({ d1: DependencyCheckSchema, r2: DependencyCheckSchema, kv: DependencyCheckSchema }),
  })
  .meta({ id: 'Status' });
export type Status = z.infer<typeof StatusSchema>;
