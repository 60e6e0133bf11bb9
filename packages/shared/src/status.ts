import { z } from 'zod';

export const DependencyCheckSchema = z.object({
  ok: z.boolean(),
  latency_ms: z.number(),
  error: z.string().optional(),
});

export const StatusSchema = z
  .object({
    status: z.enum(['ok', 'degraded']),
    version: z.string(),
    environment: z.string(),
    checks: z.object({ d1: DependencyCheckSchema, r2: DependencyCheckSchema, kv: DependencyCheckSchema }),
  })
  .meta({ id: 'Status' });
export type Status = z.infer<typeof StatusSchema>;
