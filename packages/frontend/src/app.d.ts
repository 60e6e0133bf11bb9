import type { Locale } from '@pixelflare/config';

declare global {
  namespace App {
    interface Locals {
      /** The page's language, chosen in hooks.server.ts. */
      locale: Locale;
    }
    interface Platform {
      env: Record<string, never>;
    }
  }
}
export {};
