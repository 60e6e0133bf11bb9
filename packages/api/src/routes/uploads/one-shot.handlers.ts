import type { RouteHandler } from '@hono/zod-openapi';
import type { AppEnv } from '../../lib/types';
import { principalOf } from '../../middleware/auth';
import { toOneImageResource } from '../../services/images/resource';
import { ingestOneShot } from '../../services/uploads/one-shot';
import { imageViewOf } from '../images/images.context';
import type { uploadImage } from './one-shot.routes';
import { ingestDepsOf } from './uploads.context';

export const uploadImageHandler: RouteHandler<typeof uploadImage, AppEnv> = async (c) => {
  const { file, ...metadata } = c.req.valid('form');
  const result = await ingestOneShot(ingestDepsOf(c), {
    ownerId: principalOf(c).userId,
    // Zod types the field with its own File declaration; at runtime it is the Workers File.
    file: file as unknown as File,
    metadata,
    allowDuplicate: c.req.valid('query').allow_duplicate,
  });
  if (!result.variantsQueued) c.get('logger').warn('variant job not queued', { imageId: result.image.id });
  c.set('audit', {
    action: result.duplicate ? 'image.upload_duplicate' : 'image.upload',
    resourceType: 'image',
    resourceId: result.image.id,
    metadata: { bytes: result.image.bytes, contentType: result.image.contentType },
  });
  // Read back like GET /v1/images/:id (tags in stored order), new or duplicate alike.
  const resource = await toOneImageResource(c.get('db'), result.image, await imageViewOf(c));
  return c.json({ ...resource, duplicate: result.duplicate }, result.duplicate ? 200 : 201);
};
