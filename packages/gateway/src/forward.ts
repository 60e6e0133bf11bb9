import { REQUEST_ID_HEADER, REQUEST_ID_PATTERN } from '@pixelflare/config';

/** The caller's request id if it looks like one (the API keeps it the same way), else a new one. */
export function requestIdOf(request: Request): string {
  const incoming = request.headers.get(REQUEST_ID_HEADER);
  if (incoming !== null && REQUEST_ID_PATTERN.test(incoming)) return incoming;
  return `req_${crypto.randomUUID().replaceAll('-', '')}`;
}

/** `X-Forwarded-For` with the client's IP last, unless Cloudflare's edge already put it there. */
function appendForwardedFor(existing: string | null, ip: string): string {
  if (existing === null || existing.trim() === '') return ip;
  const hops = existing.split(',').map((hop) => hop.trim());
  return hops.at(-1) === ip ? existing : `${existing}, ${ip}`;
}

/**
 * The request the gateway sends on: the same method, URL, body stream and `cf` object, plus what the Worker
 * behind needs to know about the caller. `CF-Connecting-IP` is kept as the edge set it (the API reads the caller's
 * IP from it, exactly as when it is reached directly), `X-Forwarded-For` gets it appended, `CF-IPCountry` comes
 * from `request.cf.country`, and `X-Request-Id` carries the id both Workers log. The body is the incoming stream,
 * never read here: a 500 MB tus PATCH flows through without being buffered.
 */
export function forwardedRequest(request: Request, requestId: string): Request {
  const headers = new Headers(request.headers);
  const ip = request.headers.get('CF-Connecting-IP');
  if (ip !== null)
    headers.set('X-Forwarded-For', appendForwardedFor(request.headers.get('X-Forwarded-For'), ip));
  const country = request.cf?.country;
  if (typeof country === 'string' && country !== '') headers.set('CF-IPCountry', country);
  headers.set(REQUEST_ID_HEADER, requestId);
  // `new Request(request, init)` keeps the body as the same stream (and the cf object) without reading it.
  return new Request(request, { headers });
}

/**
 * The upstream's response, with `X-Request-Id` when the upstream did not set one (the dashboard does not; the API
 * always does, and its responses, the CDN's included, pass through untouched).
 */
export function withRequestId(response: Response, requestId: string): Response {
  if (response.headers.has(REQUEST_ID_HEADER)) return response;
  const copy = new Response(response.body, response);
  copy.headers.set(REQUEST_ID_HEADER, requestId);
  return copy;
}
