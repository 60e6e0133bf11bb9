import { afterEach, describe, expect, it, vi } from 'vitest';
import { call } from '../../test/helpers';

afterEach(() => vi.restoreAllMocks());

describe('request logs', () => {
  it('are one JSON object per line carrying the request id the answer names', async () => {
    const lines: string[] = [];
    for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => void lines.push(args.join(' ')));
    }
    const response = await call('/v1/images', { headers: { 'X-Request-Id': 'req_logline_test_1' } });
    expect(response.status).toBe(401);
    expect(response.headers.get('X-Request-Id')).toBe('req_logline_test_1');
    const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const requestLine = entries.find((entry) => entry.message === 'request' && entry.path === '/v1/images');
    expect(requestLine).toMatchObject({
      level: 'info',
      requestId: 'req_logline_test_1',
      method: 'GET',
      status: 401,
    });
    expect(typeof requestLine?.time).toBe('string');
  });
});
