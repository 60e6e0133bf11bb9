import type { RouteHandler } from '@hono/zod-openapi';
import { images } from '@pixelflare/database';
import type { EncryptionStatus } from '@pixelflare/shared';
import { and, count, eq, isNull } from 'drizzle-orm';
import type { Context } from 'hono';
import { sendVariantsMessage } from '../../jobs/messages';
import type { AppEnv } from '../../lib/types';
import { principalOf } from '../../middleware/auth';
import { cdnBaseOf } from '../../services/images/resource';
import { rewrapTenantKeysUnderRoot } from '../../services/encryption/root-rotation';
import {
  createAccessToken,
  encryptedImageKey,
  exportKeyBundle,
  previewTokens,
} from '../../services/encryption/access';
import {
  enableEncryption,
  encryptionStateOf,
  rotateTenantKey,
  setEncryptByDefault,
  type EncryptionDeps,
  type EncryptionState,
} from '../../services/encryption/tenant-keys';
import type {
  createAccessTokenRoute,
  enableEncryptionRoute,
  exportKeysRoute,
  getEncryptionRoute,
  imageKeyRoute,
  previewTokensRoute,
  rootKeyRewrapRoute,
  rotateEncryptionRoute,
  updateEncryptionRoute,
} from './encryption.routes';

const depsOf = (c: Context<AppEnv>): EncryptionDeps => ({ db: c.get('db'), config: c.get('config') });

async function statusOf(
  c: Context<AppEnv>,
  ownerId: string,
  state?: EncryptionState,
): Promise<EncryptionStatus> {
  const db = c.get('db');
  const current = state ?? (await encryptionStateOf(db, ownerId));
  const [counted] = await db
    .select({ count: count() })
    .from(images)
    .where(and(eq(images.ownerId, ownerId), eq(images.isEncrypted, true), isNull(images.deletedAt)));
  return {
    enabled: current.enabled,
    encrypt_by_default: current.encryptByDefault,
    current_key_version: current.currentVersion,
    enabled_at: current.enabledAt?.toISOString() ?? null,
    key_versions: current.versions.map((key) => ({
      version: key.version,
      fingerprint: key.fingerprint,
      created_at: key.createdAt.toISOString(),
    })),
    rewrap: current.rewrap
      ? { target_version: current.rewrap.targetVersion, done: current.rewrap.done }
      : null,
    encrypted_images: counted?.count ?? 0,
  };
}

export const getEncryptionHandler: RouteHandler<typeof getEncryptionRoute, AppEnv> = async (c) =>
  c.json(await statusOf(c, principalOf(c).userId), 200);

export const enableEncryptionHandler: RouteHandler<typeof enableEncryptionRoute, AppEnv> = async (c) => {
  const ownerId = principalOf(c).userId;
  const body = c.req.valid('json') ?? {};
  c.set('audit', { action: 'encryption.enable', resourceType: 'account', resourceId: ownerId });
  const state = await enableEncryption(depsOf(c), ownerId, { encryptByDefault: body.encrypt_by_default });
  return c.json(await statusOf(c, ownerId, state), 200);
};

export const updateEncryptionHandler: RouteHandler<typeof updateEncryptionRoute, AppEnv> = async (c) => {
  const ownerId = principalOf(c).userId;
  const body = c.req.valid('json');
  c.set('audit', {
    action: 'encryption.update',
    resourceType: 'account',
    resourceId: ownerId,
    metadata: body,
  });
  await setEncryptByDefault(depsOf(c), ownerId, body.encrypt_by_default);
  return c.json(await statusOf(c, ownerId), 200);
};

export const rotateEncryptionHandler: RouteHandler<typeof rotateEncryptionRoute, AppEnv> = async (c) => {
  const ownerId = principalOf(c).userId;
  c.set('audit', { action: 'encryption.rotate', resourceType: 'account', resourceId: ownerId });
  const state = await rotateTenantKey(depsOf(c), ownerId);
  // If queueing fails, the rotation stands and status shows the re-wrap pending; rotating again is refused
  // until it finishes, and the job resumes from its cursor whenever its message is delivered.
  await sendVariantsMessage(c.env.VARIANTS_QUEUE, {
    type: 'rewrap-keys',
    ownerId,
    targetVersion: state.currentVersion,
  });
  return c.json(await statusOf(c, ownerId, state), 202);
};

export const exportKeysHandler: RouteHandler<typeof exportKeysRoute, AppEnv> = async (c) => {
  const ownerId = principalOf(c).userId;
  c.set('audit', { action: 'encryption.export', resourceType: 'account', resourceId: ownerId });
  const bundle = await exportKeyBundle(depsOf(c), { ownerId, passphrase: c.req.valid('json').passphrase });
  c.header('Cache-Control', 'no-store');
  return c.json(bundle, 200);
};

export const previewTokensHandler: RouteHandler<typeof previewTokensRoute, AppEnv> = async (c) => {
  const ownerId = principalOf(c).userId;
  const result = await previewTokens(
    { ...depsOf(c), cdnBase: cdnBaseOf(c.get('config')) },
    { ownerId, imageIds: c.req.valid('json').image_ids, now: Date.now() },
  );
  c.header('Cache-Control', 'no-store');
  return c.json(result, 200);
};

export const createAccessTokenHandler: RouteHandler<typeof createAccessTokenRoute, AppEnv> = async (c) => {
  const ownerId = principalOf(c).userId;
  const { id } = c.req.valid('param');
  const body = c.req.valid('json') ?? {};
  c.set('audit', {
    action: 'image.access_token',
    resourceType: 'image',
    resourceId: id,
    metadata: { ttl: body.ttl ?? null, rendition: body.rendition ?? null },
  });
  const token = await createAccessToken(
    { ...depsOf(c), cdnBase: cdnBaseOf(c.get('config')) },
    { ownerId, imageId: id, ttl: body.ttl, rendition: body.rendition, now: Date.now() },
  );
  c.header('Cache-Control', 'no-store');
  return c.json(token, 201);
};

export const imageKeyHandler: RouteHandler<typeof imageKeyRoute, AppEnv> = async (c) => {
  const ownerId = principalOf(c).userId;
  return c.json(await encryptedImageKey(depsOf(c), ownerId, c.req.valid('param').id), 200);
};

export const rootKeyRewrapHandler: RouteHandler<typeof rootKeyRewrapRoute, AppEnv> = async (c) => {
  const { dry_run } = c.req.valid('json');
  c.set('audit', { action: 'encryption.root_rewrap', resourceType: 'deployment', metadata: { dry_run } });
  const report = await rewrapTenantKeysUnderRoot(depsOf(c), { dryRun: dry_run });
  return c.json(
    {
      dry_run: report.dryRun,
      root_key_id: report.rootKeyId,
      rewrapped: report.rewrapped,
      current: report.current,
      unreadable: report.unreadable.map((key) => ({ owner_id: key.ownerId, version: key.version })),
    },
    200,
  );
};
