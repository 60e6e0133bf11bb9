import { MB } from '@pixelflare/config';
import { AppError, badRequest } from '../../lib/errors';
import { resolvedNonPublicReason, type HostResolver } from '../webhooks/ssrf';

/** How the Worker fetches an image it is given the URL of (`POST /v1/upload/from-url`). */
export interface RemoteFetchSettings {
  /** ALLOW_PRIVATE_WEBHOOK_TARGETS: the webhooks' SSRF rule, so local development can fetch from loopback. */
  allowPrivate: boolean;
  resolveHost: HostResolver;
  /** Bytes read at most; counted while streaming, whatever Content-Length says. */
  maxBytes: number;
  /** For the whole fetch, redirects and body included. */
  timeoutMs: number;
  maxRedirects: number;
}

export const REMOTE_FETCH_LIMITS = { timeoutMs: 15_000, maxRedirects: 3 } as const;

export interface RemoteImage {
  bytes: Uint8Array;
  /** The last path segment of the URL the bytes came from (after redirects), for the image's filename. */
  filename: string;
  url: string;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

function target(rawUrl: string): URL {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw badRequest(`Not a valid URL: ${rawUrl}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw badRequest('The URL must use http or https');
  if (url.username || url.password) throw badRequest('The URL must not contain credentials');
  return url;
}

/** The webhooks' rule: a literal private address is refused, and so is a name resolving to one. */
async function assertPublic(url: URL, settings: RemoteFetchSettings): Promise<void> {
  if (settings.allowPrivate) return;
  let reason: string | undefined;
  try {
    reason = await resolvedNonPublicReason(url.hostname, settings.resolveHost);
  } catch (error) {
    throw new AppError(
      503,
      'SERVICE_UNAVAILABLE',
      `Could not resolve ${url.hostname} to check it is public (${error instanceof Error ? error.message : error})`,
      undefined,
      { 'Retry-After': '10' },
    );
  }
  if (reason) throw badRequest(`The URL points to a ${reason}; only public addresses are fetched`);
}

const tooLarge = (maxBytes: number) =>
  new AppError(413, 'PAYLOAD_TOO_LARGE', `The image at the URL is over ${maxBytes / MB} MB`);

/** Reads the body, refusing it as soon as it passes `maxBytes` (nothing more is read). */
async function readLimited(body: ReadableStream<Uint8Array> | null, maxBytes: number): Promise<Uint8Array> {
  if (!body) return new Uint8Array();
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

function filenameOf(url: URL): string {
  const last = decodeURIComponent(url.pathname.split('/').filter(Boolean).at(-1) ?? '');
  return last || url.hostname;
}

/**
 * Fetches an image by URL for ingest: http(s) only, public addresses only (checked again at every redirect, at
 * most `maxRedirects`), within `timeoutMs`, at most `maxBytes`. Every failure of the remote side is the
 * caller's URL at fault: a 400 naming what happened (413 over the size), never a 500.
 */
export async function fetchRemoteImage(
  rawUrl: string,
  settings: RemoteFetchSettings,
  fetcher: typeof fetch = fetch,
): Promise<RemoteImage> {
  const deadline = AbortSignal.timeout(settings.timeoutMs);
  const timedOut = () =>
    badRequest(`The URL did not answer with the whole image within ${settings.timeoutMs / 1000} s`);
  let url = target(rawUrl);
  for (let redirects = 0; ; redirects++) {
    await assertPublic(url, settings);
    let response: Response;
    try {
      response = await fetcher(url, { redirect: 'manual', signal: deadline, headers: { Accept: 'image/*' } });
    } catch (error) {
      if (deadline.aborted) throw timedOut();
      throw badRequest(`The URL could not be fetched (${error instanceof Error ? error.message : error})`);
    }
    if (REDIRECTS.has(response.status)) {
      await response.body?.cancel();
      const location = response.headers.get('Location');
      if (!location) throw badRequest(`The URL answered ${response.status} without a Location`);
      if (redirects >= settings.maxRedirects)
        throw badRequest(`The URL redirected more than ${settings.maxRedirects} times`);
      // Checked like the first URL at the top of the loop: public addresses only.
      url = target(new URL(location, url).toString());
      continue;
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw badRequest(`The URL answered HTTP ${response.status}`);
    }
    const declared = Number(response.headers.get('Content-Length') ?? NaN);
    if (declared > settings.maxBytes) {
      await response.body?.cancel();
      throw tooLarge(settings.maxBytes);
    }
    try {
      return {
        bytes: await readLimited(response.body, settings.maxBytes),
        filename: filenameOf(url),
        url: url.href,
      };
    } catch (error) {
      if (error instanceof AppError) throw error;
      if (deadline.aborted) throw timedOut();
      throw badRequest(
        `The image could not be read from the URL (${error instanceof Error ? error.message : error})`,
      );
    }
  }
}
