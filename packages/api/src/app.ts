import { Hono } from 'hono';
import { createRouter } from './lib/create-router';
import { handleError, handleNotFound } from './lib/error-handler';
import type { AppEnv } from './lib/types';
import { auditLog } from './middleware/audit';
import { outboxFlush } from './middleware/outbox-flush';
import { authenticate } from './middleware/auth';
import { allowlistCors, publicCors, s3Cors } from './middleware/cors';
import { failedAuthLimit, rateLimit } from './middleware/rate-limit';
import { requestContext, requestLog } from './middleware/request-context';
import {
  apiDocsPolicy,
  apiSecurityHeaders,
  cdnSecurityHeaders,
  publicPageSecurityHeaders,
  sharePageSecurityHeaders,
  signInSecurityHeaders,
} from './middleware/security-headers';
import { authRouter } from './auth/auth.index';
import { CUSTOM_SITE_PREFIX, cdnAwarePath } from './cdn/cdn-path';
import { cdnRouter } from './cdn/cdn.index';
import { mountApiDocs } from './routes/docs/docs.index';
import { signedUrlsRouter } from './routes/signed-urls/signed-urls.index';
import { transformsRouter } from './routes/transforms/transforms.index';
import { watermarksRouter } from './routes/watermarks/watermarks.index';
import { statusRouter } from './routes/status/status.index';
import { tagsRouter } from './routes/tags/tags.index';
import { albumsRouter } from './routes/albums/albums.index';
import { oneShotUploadRouter, uploadsRouter } from './routes/uploads/uploads.index';
import { imagesRouter } from './routes/images/images.index';
import { analysisRouter } from './routes/analysis/analysis.index';
import { searchRouter } from './routes/search/search.index';
import { keysRouter } from './routes/keys/keys.index';
import { meRouter } from './routes/me/me.index';
import { exportsRouter } from './routes/exports/exports.index';
import { adminRouter } from './routes/admin/admin.index';
import { auditLogRouter } from './routes/audit-log/audit-log.index';
import { webhooksRouter } from './routes/webhooks/webhooks.index';
import { variantsRouter } from './routes/variants/variants.index';
import { analyticsRouter } from './routes/analytics/analytics.index';
import { encryptionRouter, encryptionStartupCheck } from './routes/encryption/encryption.index';
import { backupRouter } from './routes/backup/backup.index';
import { customDomainRouter } from './routes/custom-domain/custom-domain.index';
import { hotlinkRouter } from './routes/hotlink/hotlink.index';
import { customSiteRouter, productSiteRouter, publicPagesRouter } from './routes/public/public.index';
import { shareLinksRouter } from './routes/share-links/share-links.index';
import { passkeysRouter } from './routes/passkeys/passkeys.index';
import { billingRouter } from './routes/billing/billing.index';
import { sharePagesRouter } from './routes/share-links/share-page';
import { s3KeysRouter } from './routes/s3-keys/s3-keys.index';
import { s3Router } from './routes/s3/s3.index';

/** The `/v1` REST API: every resource router, then the OpenAPI document generated from their contracts. */
export function createApiRouter() {
  const api = createRouter();
  const routers = [
    statusRouter,
    oneShotUploadRouter,
    signedUrlsRouter,
    transformsRouter,
    watermarksRouter,
    imagesRouter,
    analysisRouter,
    searchRouter,
    variantsRouter,
    uploadsRouter,
    albumsRouter,
    tagsRouter,
    keysRouter,
    meRouter,
    exportsRouter,
    adminRouter,
    auditLogRouter,
    webhooksRouter,
    analyticsRouter,
    encryptionRouter,
    backupRouter,
    customDomainRouter,
    hotlinkRouter,
    shareLinksRouter,
    passkeysRouter,
    s3KeysRouter,
    billingRouter,
  ] as const;
  for (const router of routers) api.route('/', router);
  mountApiDocs(api);
  return api;
}

/**
 * The whole Worker: three areas, each with only the middleware it needs, in this order:
 * - `/cdn` (public images, the hot path): request id → logging (failures only) → CORS (any origin) →
 *   security headers → error handler. Nothing per caller runs: no authentication, rate limiting or audit.
 * - `/v1` (the API): request id → logging → CORS (allowlist) → security headers → error handler →
 *   failed-auth limit → authentication → rate limiting → audit → outbox flush.
 * - `/auth` (sign-in): request id → logging → CORS (allowlist) → security headers → error handler →
 *   failed-auth limit → authentication → rate limiting (sign-in routes write their own audit events).
 * - `/u` (public profiles and albums; on a custom domain `/` and `/{album}`, routed as `/site/...`): request id →
 *   logging (failures only) → security headers (no script) → error handler. Nothing per caller runs.
 * - `/s` (share-link pages for visitors): request id → logging (failures only) → security headers (no script,
 *   never stored) → error handler. Wrong passwords are rate-limited by the page itself, per link and per IP.
 * - `/s3` (the S3-compatible endpoint): request id → logging → CORS (any origin, no credentials) → audit → outbox
 *   flush. It authenticates (SigV4), rate-limits (per access key; failed signatures per IP) and answers S3's XML
 *   errors itself, so none of the API's JSON layers run.
 * Anything else gets the request id and a JSON 404. The error handler is Hono's `onError`: it answers where the
 * error is thrown, so every layer above it still decorates error responses. On the dedicated CDN hostname every
 * path is a CDN path (see cdnAwarePath), so only the CDN's layers run there.
 */
export function createApp() {
  const app = new Hono<AppEnv>({ getPath: cdnAwarePath });
  app.use('*', requestContext);
  app.use('*', encryptionStartupCheck);
  app.use('/cdn/*', requestLog({ successes: false }), publicCors, cdnSecurityHeaders);
  app.use('/v1/*', requestLog({ successes: true }), allowlistCors, apiSecurityHeaders);
  app.use('/v1/docs', apiDocsPolicy);
  app.use('/auth/*', requestLog({ successes: true }), allowlistCors, signInSecurityHeaders);
  for (const pages of ['/u/*', `${CUSTOM_SITE_PREFIX}/*`, CUSTOM_SITE_PREFIX, '/robots.txt', '/sitemap.xml'])
    app.use(pages, requestLog({ successes: false }), publicPageSecurityHeaders);
  app.use('/s/*', requestLog({ successes: false }), sharePageSecurityHeaders);
  for (const s3 of ['/s3', '/s3/*'])
    app.use(s3, requestLog({ successes: true }), s3Cors, auditLog, outboxFlush);
  app.onError(handleError);
  app.notFound(handleNotFound);
  app.use('/v1/*', failedAuthLimit('api'), authenticate, rateLimit, auditLog, outboxFlush);
  app.use('/auth/*', failedAuthLimit('signin'), authenticate, rateLimit);

  app.route('/v1', createApiRouter());
  app.route('/auth', authRouter);
  app.route('/cdn', cdnRouter);
  app.route('/u', publicPagesRouter);
  app.route(CUSTOM_SITE_PREFIX, customSiteRouter);
  app.route('/s', sharePagesRouter);
  app.route('/s3', s3Router);
  app.route('/', productSiteRouter);
  return app;
}

export type App = ReturnType<typeof createApp>;
