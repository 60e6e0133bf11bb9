import { drizzle } from 'drizzle-orm/d1';
import * as schema from './schema';

export * from './schema';
export { schema };

/** A Drizzle client over a D1 binding, with the whole schema for relational queries. */
export function createDb(d1: D1Database) {
  return drizzle(d1, { schema });
}
export type Database = ReturnType<typeof createDb>;

export type User = typeof schema.users.$inferSelect;
export type ApiKey = typeof schema.apiKeys.$inferSelect;
export type Album = typeof schema.albums.$inferSelect;
export type Image = typeof schema.images.$inferSelect;
export type NewImage = typeof schema.images.$inferInsert;
export type ImageVariant = typeof schema.imageVariants.$inferSelect;
export type Webhook = typeof schema.webhooks.$inferSelect;
export type WebhookDelivery = typeof schema.webhookDeliveries.$inferSelect;
export type AuditLog = typeof schema.auditLogs.$inferSelect;
export type OutboxEvent = typeof schema.outboxEvents.$inferSelect;
