import type { RouteHandler } from '@hono/zod-openapi';
import { VARIANT_NAMES } from '@pixelflare/config';
import type { AppEnv } from '../../lib/types';
import { findImage } from '../../services/images/resource';
import { listImageVariants } from '../../services/variants/status';
import { imageViewOf } from '../images/images.context';
import type { listImageVariantsRoute } from './variants.routes';

export const listImageVariantsHandler: RouteHandler<typeof listImageVariantsRoute, AppEnv> = async (c) => {
  const view = await imageViewOf(c);
  const db = c.get('db');
  const image = await findImage(db, view.ownerId, c.req.valid('param').id);
  const allowed = c.get('config').ALLOWED_VARIANTS;
  // In the presets' own order (small to large), whatever order the setting lists them in.
  const enabled = allowed ? VARIANT_NAMES.filter((name) => allowed.includes(name)) : VARIANT_NAMES;
  return c.json({ data: await listImageVariants(db, image, view, enabled) }, 200);
};
