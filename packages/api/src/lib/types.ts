import type { ApiScope } from '@pixelflare/config';
import type { Database } from '@pixelflare/database';
import type { Bindings, EnvVars } from './env';
import type { Logger } from './logger';

/** Who is calling. Set by the authentication middleware; `null` for anonymous requests. */
export interface Principal {
  userId: string;
  ownerSlug: string;
  isAdmin: boolean;
  via: 'api_key' | 'session' | 'access' | 'dev';
  keyId?: string;
  scopes: ReadonlySet<ApiScope>;
  /** An admin whose session lacks the passkey REQUIRE_PASSKEY_FOR_ADMINS asks for: acting without `admin`. */
  adminNeedsPasskey?: boolean;
  /** The account's plan tier (its rate-limit multiplier applies); absent counts as free. */
  plan?: string;
}

/** What a handler tells the audit middleware about the action it performed. */
export interface AuditAnnotation {
  /** Set by high-volume mutating routes (e.g. tus chunks) that audit at a coarser grain themselves. */
  skip?: boolean;
  action?: string;
  resourceType?: string;
  resourceId?: string;
  ownerId?: string;
  metadata?: Record<string, unknown>;
}

export interface AppEnv {
  Bindings: Bindings;
  Variables: {
    requestId: string;
    logger: Logger;
    config: EnvVars;
    db: Database;
    principal: Principal | null;
    audit: AuditAnnotation | undefined;
  };
}
