import type { RouteHandler } from '@hono/zod-openapi';
import { UPLOAD_LIMITS } from '@pixelflare/config';
import type { AppEnv } from '../../lib/types';
import { principalOf } from '../../middleware/auth';
import { toOneImageResource } from '../../services/images/resource';
import { ingestImage } from '../../services/ingest/ingest';
import { imageViewOf, ingestDepsOf } from '../images/images.context';
import { oneShotTooLarge, type uploadImage } from './upload.routes';

export const uploadImageHandler: RouteHandler<typeof uploadImage, AppEnv> = async (c) => {
  const principal = principalOf(c);
  const { file: formFile, ...metadata } = c.req.valid('form');
  // Zod types the field with its own File declaration; at runtime it is the Workers File.
  const file = formFile as unknown as File;
  if (file.size > UPLOAD_LIMITS.maxOneShotBytes) throw oneShotTooLarge();
  const config = c.get('config');
  const result = await ingestImage(ingestDepsOf(c), {
    ownerId: principal.userId,
    bytes: new Uint8Array(await file.arrayBuffer()),
    metadata: { ...metadata, filename: metadata.filename ?? file.name },
    allowDuplicate: c.req.valid('query').allow_duplicate,
    maxMegapixels: config.MAX_UPLOAD_MEGAPIXELS,
    maxBytes: UPLOAD_LIMITS.maxOneShotBytes,
    usageLimitsEnabled: config.USAGE_LIMITS_ENABLED,
  });
  if (!result.variantsQueued) c.get('logger').warn('variant job not queued', { imageId: result.image.id });
  c.set('audit', {
    action: result.duplicate ? 'image.upload_duplicate' : 'image.upload',
    resourceType: 'image',
    resourceId: result.image.id,
    metadata: { bytes: result.image.bytes, contentType: result.image.contentType },
  });
  // Read back like GET /v1/images/:id (tags in stored order), new or duplicate alike.
  const resource = await toOneImageResource(c.get('db'), result.image, imageViewOf(c));
  return c.json({ ...resource, duplicate: result.duplicate }, result.duplicate ? 200 : 201);
};
