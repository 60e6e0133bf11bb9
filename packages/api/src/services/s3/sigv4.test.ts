import { describe, expect, it } from 'vitest';
import { awsChunkedDecoder } from './chunked';
import { chunkSigner, expectedSignature, parseSignature, signatureMatches } from './sigv4';
import { S3Error } from './xml';

// The worked examples of AWS's "Signature Calculations for the Authorization Header" and "Authenticating
// Requests: Using Query Parameters" (S3 API reference, Signature Version 4), with their published signatures.
const ACCESS_KEY = 'AKIAIOSFODNN7EXAMPLE';
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const DATETIME = '20130524T000000Z';
const AT = Date.UTC(2013, 4, 24, 0, 0, 0);
const EMPTY = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const scope = `${ACCESS_KEY}/20130524/us-east-1/s3/aws4_request`;

function headerRequest(
  method: string,
  url: string,
  headers: Record<string, string>,
  signedHeaders: string,
  signature: string,
) {
  return {
    method,
    url,
    headers: new Headers({
      ...headers,
      Authorization: `AWS4-HMAC-SHA256 Credential=${scope},SignedHeaders=${signedHeaders},Signature=${signature}`,
    }),
  };
}

async function verify(input: ReturnType<typeof headerRequest>, now = AT) {
  const parsed = parseSignature(input, now);
  if (!parsed) throw new Error('not signed');
  return { parsed, matches: await signatureMatches(input, parsed, SECRET) };
}

describe('SigV4 against AWS test vectors', () => {
  it('GET Object with a Range header', async () => {
    const input = headerRequest(
      'GET',
      'https://examplebucket.s3.amazonaws.com/test.txt',
      {
        Host: 'examplebucket.s3.amazonaws.com',
        Range: 'bytes=0-9',
        'x-amz-content-sha256': EMPTY,
        'x-amz-date': DATETIME,
      },
      'host;range;x-amz-content-sha256;x-amz-date',
      'f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
    );
    expect((await verify(input)).matches).toBe(true);
  });

  it('PUT Object with a signed payload, a Date header and a $ in the key', async () => {
    const input = headerRequest(
      'PUT',
      'https://examplebucket.s3.amazonaws.com/test$file.text',
      {
        Host: 'examplebucket.s3.amazonaws.com',
        Date: 'Fri, 24 May 2013 00:00:00 GMT',
        'x-amz-date': DATETIME,
        'x-amz-storage-class': 'REDUCED_REDUNDANCY',
        'x-amz-content-sha256': '44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072',
      },
      'date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class',
      '98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd',
    );
    expect((await verify(input)).matches).toBe(true);
  });

  it('GET Bucket lifecycle (a query parameter without a value)', async () => {
    const input = headerRequest(
      'GET',
      'https://examplebucket.s3.amazonaws.com/?lifecycle',
      { Host: 'examplebucket.s3.amazonaws.com', 'x-amz-date': DATETIME, 'x-amz-content-sha256': EMPTY },
      'host;x-amz-content-sha256;x-amz-date',
      'fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543',
    );
    expect((await verify(input)).matches).toBe(true);
  });

  it('GET Bucket (list objects) with its query sorted', async () => {
    const input = headerRequest(
      'GET',
      'https://examplebucket.s3.amazonaws.com/?prefix=J&max-keys=2',
      { Host: 'examplebucket.s3.amazonaws.com', 'x-amz-date': DATETIME, 'x-amz-content-sha256': EMPTY },
      'host;x-amz-content-sha256;x-amz-date',
      '34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7',
    );
    expect((await verify(input)).matches).toBe(true);
  });

  it('a presigned GET URL, valid for its 86400 seconds and expired after', async () => {
    const url =
      'https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256' +
      '&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request' +
      '&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host' +
      '&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404';
    const input = { method: 'GET', url, headers: new Headers({ Host: 'examplebucket.s3.amazonaws.com' }) };
    const parsed = parseSignature(input, AT + 3600_000);
    expect(parsed?.kind).toBe('query');
    expect(await signatureMatches(input, parsed!, SECRET)).toBe(true);
    let expired: unknown;
    try {
      parseSignature(input, AT + 86_401_000);
    } catch (error) {
      expired = error;
    }
    expect(expired).toBeInstanceOf(S3Error);
    expect((expired as S3Error).code).toBe('AccessDenied');
    expect((expired as S3Error).message).toBe('Request has expired');
  });

  it('a wrong secret, a changed header or a changed path does not match', async () => {
    const base = {
      Host: 'examplebucket.s3.amazonaws.com',
      Range: 'bytes=0-9',
      'x-amz-content-sha256': EMPTY,
      'x-amz-date': DATETIME,
    };
    const signature = 'f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41';
    const signed = 'host;range;x-amz-content-sha256;x-amz-date';
    const ok = headerRequest(
      'GET',
      'https://examplebucket.s3.amazonaws.com/test.txt',
      base,
      signed,
      signature,
    );
    const parsed = parseSignature(ok, AT)!;
    expect(await signatureMatches(ok, parsed, `${SECRET}x`)).toBe(false);
    const range = headerRequest(
      'GET',
      'https://examplebucket.s3.amazonaws.com/test.txt',
      { ...base, Range: 'bytes=0-10' },
      signed,
      signature,
    );
    expect((await verify(range)).matches).toBe(false);
    const path = headerRequest(
      'GET',
      'https://examplebucket.s3.amazonaws.com/test2.txt',
      base,
      signed,
      signature,
    );
    expect((await verify(path)).matches).toBe(false);
  });

  it('a header-signed request more than 15 minutes off is RequestTimeTooSkewed', () => {
    const input = headerRequest(
      'GET',
      'https://examplebucket.s3.amazonaws.com/test.txt',
      { Host: 'examplebucket.s3.amazonaws.com', 'x-amz-content-sha256': EMPTY, 'x-amz-date': DATETIME },
      'host;x-amz-content-sha256;x-amz-date',
      'f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
    );
    expect(() => parseSignature(input, AT + 16 * 60_000)).toThrowError(/too large/);
  });

  it('the chunked upload example: seed signature, chunk signatures, decoded body', async () => {
    const input = headerRequest(
      'PUT',
      'https://s3.amazonaws.com/examplebucket/chunkObject.txt',
      {
        Host: 's3.amazonaws.com',
        'x-amz-date': DATETIME,
        'x-amz-storage-class': 'REDUCED_REDUNDANCY',
        'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
        'Content-Encoding': 'aws-chunked',
        'x-amz-decoded-content-length': '66560',
        'Content-Length': '66824',
      },
      'content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class',
      '4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9',
    );
    const { parsed, matches } = await verify(input);
    expect(matches).toBe(true);
    const signer = await chunkSigner(parsed, SECRET);
    const first = new Uint8Array(65536).fill(97);
    const second = new Uint8Array(1024).fill(97);
    const s1 = await signer.sign(parsed.signature, first);
    expect(s1).toBe('ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648');
    const s2 = await signer.sign(s1, second);
    expect(s2).toBe('0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497');
    const s3 = await signer.sign(s2, new Uint8Array(0));
    expect(s3).toBe('b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9');

    const encoder = new TextEncoder();
    const body = new Blob([
      encoder.encode(`10000;chunk-signature=${s1}\r\n`),
      first,
      encoder.encode(`\r\n400;chunk-signature=${s2}\r\n`),
      second,
      encoder.encode(`\r\n0;chunk-signature=${s3}\r\n\r\n`),
    ]);
    expect(body.size).toBe(66824);
    // Fed in odd-sized pieces, as a network delivers them.
    const whole = new Uint8Array(await body.arrayBuffer());
    const pieces = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < whole.length; i += 7919) controller.enqueue(whole.slice(i, i + 7919));
        controller.close();
      },
    });
    const decoded = await new Response(
      pieces.pipeThrough(awsChunkedDecoder({ signer, seedSignature: parsed.signature })),
    ).arrayBuffer();
    expect(decoded.byteLength).toBe(66560);
    expect(new Uint8Array(decoded).every((byte) => byte === 97)).toBe(true);

    // One byte changed in the second chunk: its signature no longer matches, and nothing past it comes out.
    const tampered = whole.slice();
    tampered[whole.length - 200] = 98;
    const failing = new Response(
      new Blob([tampered])
        .stream()
        .pipeThrough(awsChunkedDecoder({ signer, seedSignature: parsed.signature })),
    ).arrayBuffer();
    await expect(failing).rejects.toMatchObject({ code: 'SignatureDoesNotMatch' });
  });

  it('an unsigned aws-chunked body with a checksum trailer', async () => {
    const text = 'hello, s3';
    const body = `${text.length.toString(16)}\r\n${text}\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n`;
    const decoded = await new Response(new Blob([body]).stream().pipeThrough(awsChunkedDecoder())).text();
    expect(decoded).toBe(text);
  });

  it('expectedSignature uses the Host header the client signed', async () => {
    const input = headerRequest(
      'GET',
      'http://127.0.0.1:8787/test.txt',
      {
        Host: 'examplebucket.s3.amazonaws.com',
        Range: 'bytes=0-9',
        'x-amz-content-sha256': EMPTY,
        'x-amz-date': DATETIME,
      },
      'host;range;x-amz-content-sha256;x-amz-date',
      'f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
    );
    expect(await expectedSignature(input, parseSignature(input, AT)!, SECRET)).toBe(
      'f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
    );
  });
});
