// The baseline: a bare Worker that streams one R2 object, with nothing else in the way.
export default {
  async fetch(request, env) {
    const key = new URL(request.url).searchParams.get('key');
    const object = key ? await env.IMAGES_BUCKET.get(key) : null;
    if (!object) return new Response('not found', { status: 404 });
    return new Response(object.body, {
      headers: {
        'Content-Type': object.httpMetadata?.contentType ?? 'application/octet-stream',
        ETag: object.httpEtag,
      },
    });
  },
};
