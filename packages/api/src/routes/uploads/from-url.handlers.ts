import type { RouteHandler } from '@hono/zod-openapi';
import type { AppEnv } from '../../lib/types';
import { principalOf } from '../../middleware/auth';
import { ingestImage } from '../../services/ingest/ingest';
import { toOneImageResource } from '../../services/images/resource';
import { fetchRemoteImage, REMOTE_FETCH_LIMITS } from '../../services/uploads/from-url';
import { dohResolver } from '../../services/webhooks/ssrf';
import { imageViewOf } from '../images/images.context';
import type { uploadFromUrl } from './from-url.routes';
import { ingestDepsOf } from './uploads.context';

export const uploadFromUrlHandler: RouteHandler<typeof uploadFromUrl, AppEnv> = async (c) => {
  const { url, ...metadata } = c.req.valid('json');
  const deps = ingestDepsOf(c);
  const remote = await fetchRemoteImage(url, {
    allowPrivate: c.get('config').ALLOW_PRIVATE_WEBHOOK_TARGETS,
    resolveHost: dohResolver(),
    maxBytes: deps.limits.maxBytes['one-shot'],
    ...REMOTE_FETCH_LIMITS,
  });
  const result = await ingestImage(deps, {
    ownerId: principalOf(c).userId,
    bytes: remote.bytes,
    metadata: { ...metadata, filename: metadata.filename ?? remote.filename },
    allowDuplicate: c.req.valid('query').allow_duplicate,
    way: 'one-shot',
  });
  if (!result.variantsQueued) c.get('logger').warn('variant job not queued', { imageId: result.image.id });
  c.set('audit', {
    action: result.duplicate ? 'image.upload_duplicate' : 'image.upload',
    resourceType: 'image',
    resourceId: result.image.id,
    metadata: { bytes: result.image.bytes, contentType: result.image.contentType, fromUrl: remote.url },
  });
  const resource = await toOneImageResource(c.get('db'), result.image, await imageViewOf(c));
  return c.json({ ...resource, duplicate: result.duplicate }, result.duplicate ? 200 : 201);
};
