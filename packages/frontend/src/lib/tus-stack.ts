import { DefaultHttpStack, type HttpRequest } from 'tus-js-client';

/**
 * The API answers a tus creation with an absolute `Location` on its public URL. The dashboard reaches the API
 * through its own origin (a route in production, the vite proxy in development), so upload URLs on `/v1/` are
 * sent to that same origin, where the session cookie applies.
 */
export function sameOriginUploadUrl(url: string, origin: string): string {
  const parsed = new URL(url, origin);
  return parsed.pathname.startsWith('/v1/') ? `${origin}${parsed.pathname}${parsed.search}` : url;
}

export class SameOriginHttpStack extends DefaultHttpStack {
  override createRequest(method: string, url: string): HttpRequest {
    return super.createRequest(method, sameOriginUploadUrl(url, location.origin));
  }
}
