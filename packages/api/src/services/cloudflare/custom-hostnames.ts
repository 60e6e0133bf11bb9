/**
 * A small typed client of Cloudflare's custom-hostnames API (Cloudflare for SaaS), zone-scoped:
 * `POST/GET/DELETE /zones/{zone_id}/custom_hostnames[/{id}]`, answering with the v4 envelope
 * `{ success, errors, messages, result }`. The base URL comes from CLOUDFLARE_API_BASE_URL (tests point it at the
 * stand-in in test/cloudflare-stand-in.ts); the token needs "SSL and Certificates: Edit" on the zone.
 */

/** The fields of a custom hostname this product reads; Cloudflare sends more. */
export interface CloudflareCustomHostname {
  id: string;
  hostname: string;
  /** `pending`, `active`, `blocked`, `moved`, `deleted`, `pending_blocked`, ... */
  status: string;
  ssl?: {
    /** `initializing`, `pending_validation`, `pending_issuance`, `pending_deployment`, `active`, `*_timed_out`, ... */
    status?: string;
    method?: string;
    type?: string;
    validation_records?: { txt_name?: string; txt_value?: string; cname?: string; cname_target?: string }[];
    validation_errors?: { message: string }[];
  };
  ownership_verification?: { type?: string; name?: string; value?: string };
  verification_errors?: string[];
  created_at?: string;
}

export interface CloudflareMessage {
  code: number;
  message: string;
}

/** An answer with `success: false` or a non-2xx status: Cloudflare's errors kept as it sent them. */
export class CloudflareApiError extends Error {
  constructor(
    readonly status: number,
    readonly errors: CloudflareMessage[],
    /** Seconds, from `Retry-After` on a 429. */
    readonly retryAfterSeconds?: number,
  ) {
    super(
      `Cloudflare answered ${status}: ${errors.map((error) => `${error.code} ${error.message}`).join('; ') || 'no error detail'}`,
    );
    this.name = 'CloudflareApiError';
  }

  get rateLimited(): boolean {
    return this.status === 429;
  }
}

/** Cloudflare could not be reached, or answered something that is not its envelope. */
export class CloudflareUnreachableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CloudflareUnreachableError';
  }
}

export interface CustomHostnamesClient {
  create(hostname: string): Promise<CloudflareCustomHostname>;
  /** `null` when Cloudflare no longer has it (404). */
  get(id: string): Promise<CloudflareCustomHostname | null>;
  /** Succeeds when it is gone already. */
  remove(id: string): Promise<void>;
}

export interface CloudflareSettings {
  baseUrl: string;
  zoneId: string;
  apiToken: string;
  fetch?: typeof fetch;
}

interface Envelope<T> {
  success: boolean;
  errors: CloudflareMessage[];
  messages: CloudflareMessage[];
  result: T | null;
}

export function createCustomHostnamesClient(settings: CloudflareSettings): CustomHostnamesClient {
  const doFetch = settings.fetch ?? fetch;
  const base = `${settings.baseUrl.replace(/\/$/, '')}/zones/${encodeURIComponent(settings.zoneId)}/custom_hostnames`;

  async function call<T>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; envelope: Envelope<T> }> {
    let response: Response;
    try {
      response = await doFetch(base + path, {
        method,
        headers: {
          Authorization: `Bearer ${settings.apiToken}`,
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      throw new CloudflareUnreachableError(`Cloudflare's API could not be reached: ${String(error)}`);
    }
    let envelope: Envelope<T>;
    try {
      envelope = (await response.json()) as Envelope<T>;
    } catch {
      throw new CloudflareUnreachableError(
        `Cloudflare's API answered ${response.status} without its JSON envelope`,
      );
    }
    if (typeof envelope !== 'object' || envelope === null || typeof envelope.success !== 'boolean')
      throw new CloudflareUnreachableError(
        `Cloudflare's API answered ${response.status} without its JSON envelope`,
      );
    if (!response.ok || !envelope.success) {
      const retryAfter = Number(response.headers.get('Retry-After'));
      throw new CloudflareApiError(
        response.status,
        Array.isArray(envelope.errors) ? envelope.errors : [],
        Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined,
      );
    }
    return { status: response.status, envelope };
  }

  const resultOf = <T>(envelope: Envelope<T>): T => {
    if (envelope.result === null)
      throw new CloudflareUnreachableError('Cloudflare answered success without a result');
    return envelope.result;
  };

  return {
    async create(hostname) {
      // DV certificate validated by TXT record, so every record the user creates is DNS (no HTTP file to host).
      const { envelope } = await call<CloudflareCustomHostname>('POST', '', {
        hostname,
        ssl: { method: 'txt', type: 'dv', settings: { min_tls_version: '1.2' } },
      });
      return resultOf(envelope);
    },
    async get(id) {
      try {
        const { envelope } = await call<CloudflareCustomHostname>('GET', `/${encodeURIComponent(id)}`);
        return resultOf(envelope);
      } catch (error) {
        if (error instanceof CloudflareApiError && error.status === 404) return null;
        throw error;
      }
    },
    async remove(id) {
      try {
        await call<{ id: string }>('DELETE', `/${encodeURIComponent(id)}`);
      } catch (error) {
        if (error instanceof CloudflareApiError && error.status === 404) return;
        throw error;
      }
    },
  };
}
