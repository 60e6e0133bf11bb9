import { createDb, images } from '@pixelflare/database';
import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import * as tus from 'tus-js-client';
import { describe, expect, it } from 'vitest';
import { BASE, call, createUser } from '../../../test/helpers';
import { largePng } from '../../../test/fixtures/large-files';
import { sha256Hex } from '../../lib/crypto';

/** tus-js-client's transport over `fetch` to the Worker under test (workerd has no XMLHttpRequest). */
class WorkerHttpStack implements tus.HttpStack {
  getName() {
    return 'worker-fetch';
  }
  createRequest(method: string, url: string): tus.HttpRequest {
    const headers = new Headers();
    const controller = new AbortController();
    let onProgress: (bytes: number) => void = () => undefined;
    return {
      getMethod: () => method,
      getURL: () => url,
      setHeader: (name, value) => headers.set(name, value),
      getHeader: (name) => headers.get(name) ?? undefined,
      setProgressHandler: (handler) => {
        onProgress = handler;
      },
      abort: async () => controller.abort(),
      getUnderlyingObject: () => controller,
      send: async (body?: Blob | Uint8Array | null) => {
        const bytes = body ? new Uint8Array(body instanceof Blob ? await body.arrayBuffer() : body) : null;
        const response = await call(new URL(url).pathname, {
          method,
          headers,
          body: bytes,
          signal: controller.signal,
        });
        if (bytes) onProgress(bytes.length);
        const text = await response.text();
        return {
          getStatus: () => response.status,
          getHeader: (name: string) => response.headers.get(name) ?? undefined,
          getBody: () => text,
          getUnderlyingObject: () => response,
        };
      },
    };
  }
}

describe('tus-js-client against the Worker', () => {
  it('uploads several MB, is interrupted, resumes and stores a byte-identical original', async () => {
    const user = await createUser('tus-js');
    const file = largePng(9 * 1024 * 1024 + 777);
    const common = {
      endpoint: `${BASE}/v1/uploads/tus`,
      chunkSize: 2 * 1024 * 1024,
      headers: { Authorization: `Bearer ${user.key}` },
      metadata: { filename: 'client.png', tags: 'tus' },
      httpStack: new WorkerHttpStack(),
      storeFingerprintForResuming: false,
      retryDelays: null,
    };

    // First attempt: abort once about 40 % has been sent.
    const uploadUrl = await new Promise<string>((resolve, reject) => {
      const upload: tus.Upload = new tus.Upload(new Blob([file]), {
        ...common,
        onError: reject,
        onChunkComplete: (_chunk, sent) => {
          if (sent >= file.length * 0.4) {
            void upload.abort().then(() => resolve(upload.url!));
          }
        },
      });
      upload.start();
    });
    const head = await call(new URL(uploadUrl).pathname, {
      method: 'HEAD',
      headers: { Authorization: `Bearer ${user.key}`, 'Tus-Resumable': '1.0.0' },
    });
    const partial = Number(head.headers.get('Upload-Offset'));
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(file.length);

    // Second attempt resumes at the server's offset.
    let imageId: string | undefined;
    await new Promise<void>((resolve, reject) => {
      const upload = new tus.Upload(new Blob([file]), {
        ...common,
        uploadUrl,
        onError: reject,
        onAfterResponse: (_request, response) => {
          imageId = response.getHeader('Pixelflare-Image-Id') ?? imageId;
        },
        onSuccess: () => resolve(),
      });
      upload.start();
    });
    expect(imageId).toMatch(/^img_/);
    const [row] = await createDb(env.DB).select().from(images).where(eq(images.id, imageId!));
    const stored = await env.IMAGES_BUCKET.get(row!.storageKey);
    expect(await sha256Hex(await stored!.arrayBuffer())).toBe(await sha256Hex(file));
    expect(row).toMatchObject({ filename: 'client.png', bytes: file.length });
  });
});
