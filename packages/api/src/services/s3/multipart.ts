import { fromBase64Url, toBase64Url } from '../../lib/crypto';
import { S3Error, s3Errors } from './xml';

/**
 * Multipart uploads go to R2 multipart at a staging key of the owner's (`s3-multipart/{ownerId}/{random}`);
 * CompleteMultipartUpload assembles them there and ingests the object like any stored upload. The upload id
 * handed out carries the staging name and R2's own id, so no table is needed; it is only honoured for the owner
 * whose staging prefix it names. R2 aborts incomplete multipart uploads by itself after 7 days.
 */

const PREFIX = 's3-multipart';
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export interface MultipartRef {
  stagingKey: string;
  r2UploadId: string;
}

export const stagingKeyFor = (ownerId: string) =>
  `${PREFIX}/${ownerId}/${toBase64Url(crypto.getRandomValues(new Uint8Array(16)))}`;

export const uploadIdOf = (ref: MultipartRef) =>
  toBase64Url(encoder.encode(JSON.stringify([ref.stagingKey.split('/').at(-1), ref.r2UploadId])));

/** The staging key and R2 upload id an upload id names, for this owner; NoSuchUpload for anything else. */
export function refOfUploadId(ownerId: string, uploadId: string): MultipartRef {
  try {
    const [name, r2UploadId] = JSON.parse(decoder.decode(fromBase64Url(uploadId))) as unknown[];
    if (typeof name !== 'string' || !/^[A-Za-z0-9_-]{22}$/.test(name) || typeof r2UploadId !== 'string') {
      throw s3Errors.noSuchUpload();
    }
    return { stagingKey: `${PREFIX}/${ownerId}/${name}`, r2UploadId };
  } catch {
    throw s3Errors.noSuchUpload();
  }
}

/** R2 answers an unknown or finished upload id with an error naming it; that is S3's NoSuchUpload. */
export function asMultipartError(error: unknown): unknown {
  if (error instanceof S3Error) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (/10024|does not exist|NoSuchUpload/i.test(message)) return s3Errors.noSuchUpload();
  return error;
}

/** A multipart write R2 refused (opening the upload, a part): NoSuchUpload as above, else R2 is unavailable. */
export const asMultipartWriteError = (error: unknown): S3Error => {
  const mapped = asMultipartError(error);
  return mapped instanceof S3Error ? mapped : s3Errors.storageUnavailable();
};

const NAMED_ENTITIES: Record<string, string> = { quot: '"', apos: "'", amp: '&', lt: '<', gt: '>' };

/** XML character data with its entities decoded: named, decimal (`&#34;`, Go's encoder) and hex. */
export function decodeXmlText(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|quot|apos|amp|lt|gt);/g, (_, entity: string) =>
    entity.startsWith('#x')
      ? String.fromCodePoint(parseInt(entity.slice(2), 16))
      : entity.startsWith('#')
        ? String.fromCodePoint(Number(entity.slice(1)))
        : NAMED_ENTITIES[entity]!,
  );
}

/** The parts a CompleteMultipartUpload body lists, in order, each `{ partNumber, etag }` (ETag unquoted). */
export function parseCompleteBody(xml: string): R2UploadedPart[] {
  const parts: R2UploadedPart[] = [];
  for (const match of xml.matchAll(/<Part>([\s\S]*?)<\/Part>/g)) {
    const inner = match[1] ?? '';
    const partNumber = Number(/<PartNumber>\s*(\d+)\s*<\/PartNumber>/.exec(inner)?.[1]);
    const etag = /<ETag>([\s\S]*?)<\/ETag>/.exec(inner)?.[1];
    if (!Number.isInteger(partNumber) || etag === undefined) {
      throw new S3Error(
        400,
        'MalformedXML',
        'The XML you provided was not well-formed or did not validate against our published schema',
      );
    }
    const unquoted = decodeXmlText(etag.trim()).replace(/^"|"$/g, '');
    parts.push({ partNumber, etag: unquoted });
  }
  if (!parts.length) {
    throw new S3Error(
      400,
      'MalformedXML',
      'The XML you provided was not well-formed or did not validate against our published schema',
    );
  }
  for (let i = 1; i < parts.length; i++) {
    if (parts[i]!.partNumber <= parts[i - 1]!.partNumber) {
      throw new S3Error(
        400,
        'InvalidPartOrder',
        'The list of parts was not in ascending order. The parts list must be specified in order by part number.',
      );
    }
  }
  return parts;
}
