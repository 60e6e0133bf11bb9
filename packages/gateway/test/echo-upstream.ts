/**
 * A stand-in for the Worker behind the gateway, used only by the tests: it answers with what it received (method,
 * URL, the caller headers the gateway sets) and the body's size and SHA-256, read as a stream chunk by chunk, so a
 * large upload can pass through the gateway without either side holding it whole.
 */
export default {
  async fetch(request: Request): Promise<Response> {
    let bytes = 0;
    let digest: string | null = null;
    if (request.body) {
      const hasher = new crypto.DigestStream('SHA-256');
      const counter = new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          bytes += chunk.byteLength;
          controller.enqueue(chunk);
        },
      });
      await request.body.pipeThrough(counter).pipeTo(hasher);
      digest = [...new Uint8Array(await hasher.digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
    }
    const header = (name: string) => request.headers.get(name);
    return Response.json({
      method: request.method,
      url: request.url,
      connectingIp: header('CF-Connecting-IP'),
      forwardedFor: header('X-Forwarded-For'),
      country: header('CF-IPCountry'),
      requestId: header('X-Request-Id'),
      cfCountry: (request.cf as { country?: unknown } | undefined)?.country ?? null,
      bytes,
      digest,
    });
  },
} satisfies ExportedHandler;
