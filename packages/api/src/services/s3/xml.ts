/** S3's XML documents: escaping, the error document and the namespace every answer carries. */

export const S3_XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';

export function xmlEscape(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&apos;');
}

/** `<Name>value</Name>` with the value escaped; nothing for undefined. */
export function el(name: string, value: string | number | boolean | undefined | null): string {
  if (value === undefined || value === null) return '';
  return `<${name}>${xmlEscape(String(value))}</${name}>`;
}

export const xmlDocument = (root: string, inner: string) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<${root} xmlns="${S3_XMLNS}">${inner}</${root}>`;

/** An S3 error: its code, status and message, answered as S3's `<Error>` document. */
export class S3Error extends Error {
  constructor(
    readonly status: 400 | 403 | 404 | 405 | 409 | 411 | 413 | 416 | 500 | 501 | 503,
    readonly code: string,
    message: string,
    /** Extra elements S3 puts in some errors (e.g. `StringToSign`, `Key`, `BucketName`). */
    readonly extra: Record<string, string> = {},
    /** Headers of the error answer (e.g. `Retry-After` with `SlowDown`). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'S3Error';
  }
}

export function errorDocument(error: S3Error, resource: string, requestId: string): string {
  const extra = Object.entries(error.extra)
    .map(([name, value]) => el(name, value))
    .join('');
  // S3's error documents carry no namespace.
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error>${el('Code', error.code)}${el('Message', error.message)}${extra}${el('Resource', resource)}${el('RequestId', requestId)}</Error>`;
}

export const s3Errors = {
  accessDenied: (message = 'Access Denied') => new S3Error(403, 'AccessDenied', message),
  invalidAccessKeyId: () =>
    new S3Error(
      403,
      'InvalidAccessKeyId',
      'The AWS Access Key Id you provided does not exist in our records.',
    ),
  signatureDoesNotMatch: () =>
    new S3Error(
      403,
      'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
    ),
  noSuchBucket: (bucket: string) =>
    new S3Error(404, 'NoSuchBucket', 'The specified bucket does not exist', { BucketName: bucket }),
  noSuchKey: (key: string) =>
    new S3Error(404, 'NoSuchKey', 'The specified key does not exist.', { Key: key }),
  noSuchUpload: () =>
    new S3Error(
      404,
      'NoSuchUpload',
      'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
    ),
  slowDown: (retryAfterSeconds: number) =>
    new S3Error(
      503,
      'SlowDown',
      'Please reduce your request rate.',
      {},
      {
        'Retry-After': String(retryAfterSeconds),
      },
    ),
  invalidArgument: (message: string) => new S3Error(400, 'InvalidArgument', message),
  invalidRequest: (message: string) => new S3Error(400, 'InvalidRequest', message),
  entityTooLarge: (max: number) =>
    new S3Error(400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size', {
      MaxSizeAllowed: String(max),
    }),
  /** R2 refused a write: nothing of it was kept; S3 clients retry a 503. */
  storageUnavailable: () =>
    new S3Error(
      503,
      'ServiceUnavailable',
      'Image storage is unavailable right now; nothing was stored. Try again shortly',
    ),
  notImplemented: (what: string) =>
    new S3Error(501, 'NotImplemented', `${what} is not implemented by Pixelflare's S3 endpoint`),
} as const;
