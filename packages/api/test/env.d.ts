import type { D1Migration } from 'cloudflare:test';
import type { Bindings } from '../src/lib/env';

declare global {
  namespace Cloudflare {
    interface Env extends Bindings {
      TEST_MIGRATIONS: D1Migration[];
      AUTH_SECRET: string;
      API_HASH_SECRET: string;
      ENCRYPTION_KEY: string;
      ENCRYPTION_ROOT_KEY: string;
      PUBLIC_DASHBOARD_URL: string;
      ACCESS_TEAM_DOMAIN: string;
      ACCESS_AUD: string;
      BACKUP_ENCRYPTION_KEY: string;
      S3_TEST_ENDPOINT: string;
      S3_TEST_ACCESS_KEY_ID: string;
      S3_TEST_SECRET_ACCESS_KEY: string;
    }
  }
}
