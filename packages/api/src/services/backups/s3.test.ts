import { describe, expect, it } from 'vitest';
import { S3Client, md5 } from '@pixelflare/s3';

const target = {
  endpoint: 'https://s3.eu-west-1.amazonaws.com',
  region: 'eu-west-1',
  bucket: 'my-backups',
  accessKeyId: 'AK',
  secretAccessKey: 'secret-secret',
};

describe('S3Client addressing', () => {
  it('builds path-style and virtual-hosted URLs, encoding each key segment', () => {
    const path = new S3Client({ ...target, pathStyle: true });
    const hosted = new S3Client({ ...target, pathStyle: false });
    expect(path.urlOf('pf/usr_1/img_1/original.png')).toBe(
      'https://s3.eu-west-1.amazonaws.com/my-backups/pf/usr_1/img_1/original.png',
    );
    expect(hosted.urlOf('pf/usr_1/img_1/original.png')).toBe(
      'https://my-backups.s3.eu-west-1.amazonaws.com/pf/usr_1/img_1/original.png',
    );
    expect(path.urlOf('a b/ü#?.png')).toBe(
      'https://s3.eu-west-1.amazonaws.com/my-backups/a%20b/%C3%BC%23%3F.png',
    );
    // The bucket itself (a listing): no trailing slash path-style, `/` virtual-hosted.
    expect(path.urlOf('', { 'list-type': '2', prefix: 'pf/' })).toBe(
      'https://s3.eu-west-1.amazonaws.com/my-backups?list-type=2&prefix=pf%2F',
    );
    expect(hosted.urlOf('')).toBe('https://my-backups.s3.eu-west-1.amazonaws.com/');
  });

  it('keeps an endpoint path (a gateway under a prefix) before the bucket', () => {
    const client = new S3Client({ ...target, endpoint: 'http://127.0.0.1:9000/s3/', pathStyle: true });
    expect(client.urlOf('k')).toBe('http://127.0.0.1:9000/s3/my-backups/k');
  });

  it('computes MD5 as Content-MD5 wants it (base64) and as ETags show it (hex)', async () => {
    const empty = await md5(new Uint8Array(0));
    expect(empty.hex).toBe('d41d8cd98f00b204e9800998ecf8427e');
    expect(empty.base64).toBe('1B2M2Y8AsgTpgAmY7PhCfg==');
  });
});
