/** Security headers, CSP and CORS defaults. */
export const CSP_API = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'";
/**
 * The interactive API reference: scripts, styles and everything else from its own host only (Scalar is served from
 * node_modules by the Worker); Scalar injects its stylesheets, which is why styles allow 'unsafe-inline'.
 */
export const CSP_API_DOCS =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; font-src 'self' data:; img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'";
/** Public profile and album pages: no script at all, inline styles, images from anywhere (the CDN's host, avatars). */
export const CSP_PUBLIC_PAGE =
  "default-src 'none'; img-src * data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
/**
 * Share-link pages (`/s/{token}`): like public pages, but the password form posts back to the page itself, and
 * images come only from this host or the CDN's (signed URLs; set per deployment by the API).
 */
export const CSP_SHARE_PAGE =
  "default-src 'none'; img-src * data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
export const CSP_CDN = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'";
/** SVG opened directly runs no script and reaches nothing: the CDN CSP plus `sandbox`. */
export const CSP_CDN_SVG = `${CSP_CDN}; sandbox`;

export const SECURITY_HEADERS = {
  'Strict-Transport-Security': 'max-age=31536000; includeSubDomains',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'strict-origin-when-cross-origin',
} as const;

export const REQUEST_ID_HEADER = 'X-Request-Id';
/** A caller's own request id is kept if it looks like one (API and gateway alike), so traces can span systems. */
export const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{8,128}$/;

/** Origins allowed to call the API from a browser when `CORS_ORIGINS` is not set. */
export const DEFAULT_CORS_ORIGINS = ['http://localhost:5173', 'http://127.0.0.1:5173'] as const;
export const CORS_ALLOWED_HEADERS = [
  'Authorization',
  'Content-Type',
  'X-Request-Id',
  'Tus-Resumable',
  'Upload-Length',
  'Upload-Offset',
  'Upload-Metadata',
  'Upload-Defer-Length',
  'CF-Turnstile-Response',
] as const;
export const CORS_EXPOSED_HEADERS = [
  'X-Request-Id',
  'RateLimit-Limit',
  'RateLimit-Remaining',
  'RateLimit-Reset',
  'Retry-After',
  'Location',
  'Tus-Resumable',
  'Upload-Offset',
  'Upload-Length',
  'Upload-Expires',
] as const;
export const CORS_MAX_AGE_SECONDS = 600;

/**
 * What a browser S3 client (the AWS SDK in a page, Uppy's S3 plugin) may read of `/s3` answers: the ETag (multipart
 * completion needs each part's) and S3's own headers. SigV4 signs each request, no cookie is involved, so any origin
 * may call and every requested header is allowed (an SDK sends its own `x-amz-*` and `amz-sdk-*` headers).
 */
export const S3_CORS_EXPOSED_HEADERS = [
  'ETag',
  'Content-Length',
  'Content-Range',
  'Accept-Ranges',
  'Last-Modified',
  'Retry-After',
  'x-amz-request-id',
  'x-amz-id-2',
  'x-amz-bucket-region',
  'x-amz-version-id',
  'x-amz-delete-marker',
  'x-amz-checksum-crc32',
  'x-amz-checksum-sha256',
] as const;
export const S3_CORS_METHODS = ['GET', 'HEAD', 'PUT', 'POST', 'DELETE'] as const;
