import { createApp } from './app';
import { handleQueue } from './jobs/queues';
import { handleScheduled } from './jobs/scheduled';
import type { Bindings } from './lib/env';

const app = createApp();

export default {
  fetch: app.fetch,
  queue: handleQueue,
  scheduled: handleScheduled,
} satisfies ExportedHandler<Bindings>;

export { UploadSession } from './durable-objects/upload-session';
