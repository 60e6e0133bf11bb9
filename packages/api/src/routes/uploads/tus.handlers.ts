import type { RouteHandler } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { TusUploadState } from '../../durable-objects/upload-session';
import type { AppEnv } from '../../lib/types';
import { principalOf, requireScope } from '../../middleware/auth';
import {
  TUS_HEADERS,
  checkTusRequest,
  finishTusUpload,
  nextExpiry,
  parseUploadLength,
  parseUploadMetadata,
  parseUploadOffset,
  progressHeaders,
  sessionOf,
  startTusUpload,
  tusError,
  tusStorageUnavailable,
} from '../../services/uploads/tus';
import type { tusCreate, tusDelete, tusPatch } from './tus.routes';
import { ingestDepsOf } from './uploads.context';

const tusHeadersOf = (c: Context<AppEnv>) => ({
  resumable: c.req.header('Tus-Resumable'),
  contentType: c.req.header('Content-Type'),
});

/** Ingests the finished upload and audits it; returns the image id. */
async function finishUpload(c: Context<AppEnv>, state: TusUploadState): Promise<string> {
  const result = await finishTusUpload(ingestDepsOf(c), c.env.UPLOAD_SESSIONS, state);
  c.set('audit', {
    action: result.duplicate ? 'image.upload_duplicate' : 'image.upload',
    resourceType: 'image',
    resourceId: result.image.id,
    metadata: { via: 'tus', uploadId: state.id, bytes: state.length },
  });
  return result.image.id;
}

/** Appends the request body; answers 204 with the new offset (and the image id once finished). */
async function appendBody(c: Context<AppEnv>, uploadId: string, offset: number): Promise<Response> {
  const principal = principalOf(c);
  const body =
    c.req.raw.body ?? new ReadableStream<Uint8Array>({ start: (controller) => controller.close() });
  const result = await sessionOf(c.env.UPLOAD_SESSIONS, uploadId).append(
    principal.userId,
    offset,
    body,
    nextExpiry(),
  );
  if (result.kind === 'not_found') throw tusError(404, 'NOT_FOUND', 'Upload not found or expired');
  if (result.kind === 'offset_mismatch') {
    throw tusError(
      409,
      'CONFLICT',
      `Upload-Offset ${offset} does not match the stored offset ${result.offset}`,
    );
  }
  if (result.kind === 'storage_unavailable') throw tusStorageUnavailable(result.offset);
  const state = result.state;
  if (state.assembled) {
    state.imageId = await finishUpload(c, state);
    state.finished = true;
  }
  return c.body(null, 204, progressHeaders(state));
}

export const tusCreateHandler: RouteHandler<typeof tusCreate, AppEnv> = async (c) => {
  const principal = principalOf(c);
  checkTusRequest(tusHeadersOf(c), false);
  const state = await startTusUpload(ingestDepsOf(c), c.env.UPLOAD_SESSIONS, {
    ownerId: principal.userId,
    length: parseUploadLength(c.req.header('Upload-Length')),
    metadata: parseUploadMetadata(c.req.header('Upload-Metadata')),
  });
  const { id } = state;
  c.set('audit', { action: 'image.upload_resumable_start', resourceType: 'upload', resourceId: id });
  const location = new URL(`/v1/uploads/tus/${id}`, c.get('config').PUBLIC_API_URL).toString();
  const withBody = c.req.header('Content-Type')?.startsWith('application/offset+octet-stream');
  if (withBody && c.req.raw.body) {
    const response = await appendBody(c, id, 0);
    response.headers.set('Location', location);
    return new Response(null, { status: 201, headers: response.headers }) as never;
  }
  return c.body(null, 201, { ...progressHeaders(state), Location: location });
};

export const tusPatchHandler: RouteHandler<typeof tusPatch, AppEnv> = async (c) => {
  checkTusRequest(tusHeadersOf(c), true);
  // Chunks are not audited one by one: creation and the finished upload are.
  c.set('audit', { skip: true });
  return (await appendBody(
    c,
    c.req.valid('param').id,
    parseUploadOffset(c.req.header('Upload-Offset')),
  )) as never;
};

export const tusDeleteHandler: RouteHandler<typeof tusDelete, AppEnv> = async (c) => {
  checkTusRequest(tusHeadersOf(c), false);
  const { id } = c.req.valid('param');
  const removed = await sessionOf(c.env.UPLOAD_SESSIONS, id).terminate(principalOf(c).userId);
  if (!removed) throw tusError(404, 'NOT_FOUND', 'Upload not found or expired');
  c.set('audit', { action: 'image.upload_resumable_terminate', resourceType: 'upload', resourceId: id });
  return c.body(null, 204, { ...TUS_HEADERS });
};

export const tusHeadAuth = requireScope('images:write');

/** HEAD: where to resume. */
export const tusHeadHandler = async (c: Context<AppEnv>) => {
  checkTusRequest(tusHeadersOf(c), false);
  const state = await sessionOf(c.env.UPLOAD_SESSIONS, c.req.param('id') ?? '').status(principalOf(c).userId);
  if (!state) return c.body(null, 404, { ...TUS_HEADERS });
  return c.body(null, 200, progressHeaders(state));
};
