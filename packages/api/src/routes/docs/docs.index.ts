import { APP_NAME, APP_VERSION } from '@pixelflare/config';
import { Scalar } from '@scalar/hono-api-reference';
import type { AppRouter } from '../../lib/create-router';

export const OPENAPI_PATH = '/openapi.json';

/** Serves the generated OpenAPI 3.1 document and the interactive reference (Scalar) beside it. */
export function mountApiDocs(router: AppRouter) {
  router.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    description: 'An API key (`pf_...`) created in Settings › API keys or with `POST /v1/keys`.',
  });
  router.doc31(OPENAPI_PATH, (c) => ({
    openapi: '3.1.0',
    info: {
      title: `${APP_NAME} API`,
      version: APP_VERSION,
      description:
        'Upload, organise and serve images. Every error answers `{ "error": { "code", "message", "requestId" } }`.',
    },
    servers: [{ url: `${new URL(c.req.url).origin}/v1` }],
  }));
  router.get('/docs', Scalar({ url: `/v1${OPENAPI_PATH}`, pageTitle: `${APP_NAME} API reference` }));
}
