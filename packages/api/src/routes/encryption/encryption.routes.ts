import { createRoute, z } from '@hono/zod-openapi';
import {
  AccessTokenRequestSchema,
  AccessTokenSchema,
  EncryptedImageKeySchema,
  EncryptionEnableSchema,
  EncryptionSettingsSchema,
  EncryptionStatusSchema,
  ErrorBodySchema,
  KeyBundleSchema,
  KeyExportRequestSchema,
  PreviewTokensRequestSchema,
  PreviewTokensSchema,
  RootKeyRewrapRequestSchema,
  RootKeyRewrapSchema,
} from '@pixelflare/shared';
import { requireAdmin, requireScope } from '../../middleware/auth';

const errors = (codes: number[]) =>
  Object.fromEntries(
    codes.map((code) => [
      code,
      { description: 'Error', content: { 'application/json': { schema: ErrorBodySchema } } },
    ]),
  );

const status = {
  description: 'The account’s encryption settings and key versions',
  content: { 'application/json': { schema: EncryptionStatusSchema } },
};
const json = <T extends z.ZodType>(schema: T) => ({
  content: { 'application/json': { schema } },
  required: true,
});
const imageId = z.object({ id: z.string().min(1).max(64) });

export const getEncryptionRoute = createRoute({
  method: 'get',
  path: '/encryption',
  operationId: 'getEncryption',
  tags: ['Encryption'],
  summary: 'Encryption at rest: settings and key versions',
  security: [{ bearerAuth: [] }],
  middleware: [requireScope('images:read')] as const,
  responses: { 200: status, ...errors([401, 403]) },
});

export const enableEncryptionRoute = createRoute({
  method: 'post',
  path: '/encryption/enable',
  operationId: 'enableEncryption',
  tags: ['Encryption'],
  summary: 'Turn encryption at rest on',
  description:
    'Creates the account’s master key (v1), wrapped by the server’s root key. Existing images stay as they are; ' +
    'uploads with `encrypt=true` (or every upload, with `encrypt_by_default`) are encrypted. Encrypted images are ' +
    'never served on public URLs, never edge-cached, and have only the preset renditions thumb, w256 and w1024. ' +
    'Calling it again only changes the default.',
  security: [{ bearerAuth: [] }],
  middleware: [requireScope('keys:manage')] as const,
  request: { body: { ...json(EncryptionEnableSchema), required: false } },
  responses: { 200: status, ...errors([400, 401, 403, 503]) },
});

export const updateEncryptionRoute = createRoute({
  method: 'patch',
  path: '/encryption',
  operationId: 'updateEncryption',
  tags: ['Encryption'],
  summary: 'Change the upload default',
  security: [{ bearerAuth: [] }],
  middleware: [requireScope('keys:manage')] as const,
  request: { body: json(EncryptionSettingsSchema) },
  responses: { 200: status, ...errors([400, 401, 403, 409]) },
});

export const rotateEncryptionRoute = createRoute({
  method: 'post',
  path: '/encryption/rotate',
  operationId: 'rotateEncryptionKey',
  tags: ['Encryption'],
  summary: 'Rotate the account’s master key',
  description:
    'A new master key version for new images; existing content keys are re-wrapped under it in the background ' +
    '(image bytes are never re-encrypted). Every outstanding access token stops working. 409 while a previous ' +
    'rotation is still re-wrapping.',
  security: [{ bearerAuth: [] }],
  middleware: [requireScope('keys:manage')] as const,
  responses: { 202: status, ...errors([401, 403, 409, 503]) },
});

export const exportKeysRoute = createRoute({
  method: 'post',
  path: '/encryption/export',
  operationId: 'exportEncryptionKeys',
  tags: ['Encryption'],
  summary: 'Export the key bundle',
  description:
    'Every master key version, sealed under a key derived from the passphrase (PBKDF2-SHA256, 600,000 ' +
    'iterations). With it and an image’s key record (GET /v1/images/{id}/encryption-key), `pixelflare decrypt` ' +
    'decrypts objects read straight from R2, with no server and without the root key.',
  security: [{ bearerAuth: [] }],
  middleware: [requireScope('keys:manage')] as const,
  request: { body: json(KeyExportRequestSchema) },
  responses: {
    200: { description: 'The key bundle', content: { 'application/json': { schema: KeyBundleSchema } } },
    ...errors([400, 401, 403, 409]),
  },
});

export const previewTokensRoute = createRoute({
  method: 'post',
  path: '/encryption/preview-tokens',
  operationId: 'createPreviewTokens',
  tags: ['Encryption'],
  summary: 'Token URLs for showing encrypted images',
  description: 'Up to 100 of your encrypted images at once, valid for one to two hours.',
  security: [{ bearerAuth: [] }],
  middleware: [requireScope('images:read')] as const,
  request: { body: json(PreviewTokensRequestSchema) },
  responses: {
    200: {
      description: 'Token URLs by image id',
      content: { 'application/json': { schema: PreviewTokensSchema } },
    },
    ...errors([400, 401, 403]),
  },
});

export const createAccessTokenRoute = createRoute({
  method: 'post',
  path: '/images/{id}/access-token',
  operationId: 'createAccessToken',
  tags: ['Images'],
  summary: 'Mint an access token for an encrypted image',
  description:
    'A CDN URL carrying an HMAC-signed token bound to this image (and optionally one rendition), valid for ' +
    '`ttl` seconds (default 1 hour, at most 7 days). Only the owner can mint one.',
  security: [{ bearerAuth: [] }],
  middleware: [requireScope('images:read')] as const,
  request: { params: imageId, body: { ...json(AccessTokenRequestSchema), required: false } },
  responses: {
    201: {
      description: 'The token and its URL',
      content: { 'application/json': { schema: AccessTokenSchema } },
    },
    ...errors([400, 401, 403, 404, 409]),
  },
});

export const imageKeyRoute = createRoute({
  method: 'get',
  path: '/images/{id}/encryption-key',
  operationId: 'getImageEncryptionKey',
  tags: ['Images'],
  summary: 'An encrypted image’s key record (for offline decrypt)',
  description:
    'Its content key as stored (wrapped by the master key, useless without the key bundle) and R2 keys.',
  security: [{ bearerAuth: [] }],
  middleware: [requireScope('images:read')] as const,
  request: { params: imageId },
  responses: {
    200: {
      description: 'The key record',
      content: { 'application/json': { schema: EncryptedImageKeySchema } },
    },
    ...errors([401, 403, 404, 409]),
  },
});

export const rootKeyRewrapRoute = createRoute({
  method: 'post',
  path: '/encryption/root-key/rewrap',
  operationId: 'rewrapRootKey',
  tags: ['Encryption'],
  summary: 'Re-wrap every master key under a new root key (admin)',
  description:
    'With the new root key as ENCRYPTION_ROOT_KEY and the old one as ENCRYPTION_ROOT_KEY_PREVIOUS, re-wraps every ' +
    'account’s master keys under the new one. `dry_run` checks that every key opens and changes nothing.',
  security: [{ bearerAuth: [] }],
  middleware: [requireAdmin] as const,
  request: { body: json(RootKeyRewrapRequestSchema) },
  responses: {
    200: {
      description: 'What was (or would be) re-wrapped',
      content: { 'application/json': { schema: RootKeyRewrapSchema } },
    },
    ...errors([400, 401, 403, 503]),
  },
});
