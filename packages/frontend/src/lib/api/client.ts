import { ErrorBodySchema, StatusSchema, type ErrorCode } from '@pixelflare/shared';
import type { z } from 'zod';

/** An API failure with the server's code, so the UI can word it (see `error.<CODE>` messages). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode | 'NETWORK_ERROR',
    message: string,
    readonly requestId?: string,
  ) {
    super(message);
  }
}

/**
 * The dashboard's only way to the API. Every answer is parsed with the shared Zod schema of its route,
 * so a contract change breaks the build or a test here, never a page at run time.
 */
export function createApiClient(baseUrl = '', fetcher: typeof fetch = fetch) {
  async function request<T extends z.ZodType>(
    schema: T,
    path: string,
    init: RequestInit = {},
  ): Promise<z.infer<T>> {
    let response: Response;
    try {
      response = await fetcher(`${baseUrl}${path}`, { credentials: 'include', ...init });
    } catch (error) {
      throw new ApiError(0, 'NETWORK_ERROR', error instanceof Error ? error.message : 'Network error');
    }
    const body: unknown = await response.json().catch(() => null);
    if (!response.ok) {
      const parsed = ErrorBodySchema.safeParse(body);
      if (parsed.success)
        throw new ApiError(
          response.status,
          parsed.data.error.code,
          parsed.data.error.message,
          parsed.data.error.requestId,
        );
      throw new ApiError(response.status, 'INTERNAL_ERROR', `HTTP ${response.status}`);
    }
    return schema.parse(body);
  }

  return {
    /** Health may answer 503 with a body that still describes what failed. */
    async status() {
      const response = await fetcher(`${baseUrl}/v1/status`);
      return StatusSchema.parse(await response.json());
    },
    request,
  };
}
export type ApiClient = ReturnType<typeof createApiClient>;
