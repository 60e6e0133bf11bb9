import type { RouteHandler } from '@hono/zod-openapi';
import type { AppEnv } from '../../lib/types';
import { principalOf } from '../../middleware/auth';
import { ownerImageView, toOneImageResource } from '../../services/images/resource';
import {
  consumeUploadToken,
  createPendingUpload,
  ingestTwoStepBody,
  parseContentLength,
} from '../../services/uploads/two-step';
import type { createTwoStepUpload, putTwoStepUpload } from './two-step.routes';
import { ingestDepsOf } from './uploads.context';

export const createTwoStepUploadHandler: RouteHandler<typeof createTwoStepUpload, AppEnv> = async (c) => {
  const principal = principalOf(c);
  const pending = await createPendingUpload(c.get('db'), principal.userId, c.req.valid('json'));
  c.set('audit', { action: 'image.upload_start', resourceType: 'image', resourceId: pending.id });
  const url = new URL(`/v1/uploads/${pending.id}`, c.get('config').PUBLIC_API_URL);
  url.searchParams.set('token', pending.token);
  return c.json(
    { id: pending.id, upload_url: url.toString(), expires_at: pending.expiresAt.toISOString() },
    201,
  );
};

export const putTwoStepUploadHandler: RouteHandler<typeof putTwoStepUpload, AppEnv> = async (c) => {
  const { id } = c.req.valid('param');
  const deps = ingestDepsOf(c);
  const declaredLength = parseContentLength(c.req.header('Content-Length'));
  const { ownerId, metadata } = await consumeUploadToken(deps.db, id, c.req.valid('query').token);
  // Audited from here: the token is spent whether or not the bytes are accepted.
  c.set('audit', { action: 'image.upload', resourceType: 'image', resourceId: id, ownerId });
  const result = await ingestTwoStepBody(deps, {
    imageId: id,
    ownerId,
    metadata,
    body: c.req.raw.body,
    declaredLength,
  });
  // The token is the credential (no principal): the owner's view, with URLs where GET /v1/images/:id puts them.
  const view = await ownerImageView(deps.db, ownerId, deps.signing);
  const resource = await toOneImageResource(deps.db, result.image, view);
  return c.json({ ...resource, duplicate: result.duplicate }, result.duplicate ? 200 : 201);
};
