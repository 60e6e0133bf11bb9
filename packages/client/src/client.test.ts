import { describe, expect, it } from 'vitest';
import { ApiError, createApiClient } from './client';
import { StatusSchema } from '@pixelflare/shared';

const jsonResponse = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

describe('API client', () => {
  it('turns an error answer into an ApiError carrying the server code and request id', async () => {
    const client = createApiClient('', async () =>
      jsonResponse(404, { error: { code: 'NOT_FOUND', message: 'Image not found', requestId: 'req_1' } }),
    );
    const failure = await client.request(StatusSchema, '/v1/images/x').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ApiError);
    expect(failure).toMatchObject({ status: 404, code: 'NOT_FOUND', requestId: 'req_1' });
  });

  it('keeps the failing fields of a VALIDATION_FAILED answer, so a form can point at them', async () => {
    const client = createApiClient('', async () =>
      jsonResponse(400, {
        error: {
          code: 'VALIDATION_FAILED',
          message: 'Invalid json: website',
          issues: [{ path: 'website', message: 'Invalid URL' }],
        },
      }),
    );
    await expect(client.updateMe({ website: 'x' })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      issues: [{ path: 'website', message: 'Invalid URL' }],
    });
  });

  it('refuses an answer that does not match the shared schema', async () => {
    const client = createApiClient('', async () => jsonResponse(200, { status: 'ok' }));
    await expect(client.request(StatusSchema, '/v1/status')).rejects.toThrow();
  });

  it('sends a delivery again by POSTing to its redeliver route and reads the new attempt', async () => {
    const calls: { url: string; method?: string }[] = [];
    const client = createApiClient('', async (url, init) => {
      calls.push({ url: String(url), method: init?.method });
      return jsonResponse(200, {
        id: 'del_2',
        event_id: 'evt_1',
        event_type: 'album.created',
        attempt: 1,
        trigger: 'manual',
        status: 'succeeded',
        response_status: 200,
        response_snippet: 'ok',
        error: null,
        duration_ms: 4,
        created_at: '2026-01-01T00:00:00.000Z',
      });
    });
    expect(await client.redeliver('wh_1', 'del_1')).toMatchObject({ id: 'del_2', event_id: 'evt_1' });
    expect(calls).toEqual([{ url: '/v1/webhooks/wh_1/deliveries/del_1/redeliver', method: 'POST' }]);
  });

  it('signs out with an empty 204 answer', async () => {
    const client = createApiClient('', async () => new Response(null, { status: 204 }));
    await expect(client.signOut()).resolves.toBeNull();
  });

  it('reports an unreachable API as NETWORK_ERROR', async () => {
    const client = createApiClient('', async () => {
      throw new TypeError('fetch failed');
    });
    await expect(client.request(StatusSchema, '/v1/status')).rejects.toMatchObject({ code: 'NETWORK_ERROR' });
  });
});
