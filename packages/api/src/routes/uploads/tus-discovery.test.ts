import { UPLOAD_LIMITS } from '@pixelflare/config';
import { describe, expect, it } from 'vitest';
import { call } from '../../../test/helpers';

describe('tus discovery', () => {
  it('answers OPTIONS with the version, extensions and maximum size the server supports', async () => {
    const response = await call('/v1/uploads/tus', {
      method: 'OPTIONS',
      headers: { Origin: 'http://localhost:5173' },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('Tus-Version')).toBe('1.0.0');
    expect(response.headers.get('Tus-Extension')?.split(',')).toEqual(
      expect.arrayContaining(['creation', 'creation-with-upload', 'termination', 'expiration']),
    );
    expect(response.headers.get('Tus-Max-Size')).toBe(String(UPLOAD_LIMITS.maxResumableBytes));
    expect(response.headers.get('Access-Control-Allow-Origin')).toBe('http://localhost:5173');
  });

  it('still answers a real CORS preflight to the same URL as a preflight', async () => {
    const response = await call('/v1/uploads/tus', {
      method: 'OPTIONS',
      headers: { Origin: 'http://localhost:5173', 'Access-Control-Request-Method': 'POST' },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('Access-Control-Allow-Methods')).toContain('POST');
    expect(response.headers.get('Tus-Version')).toBeNull();
  });
});
