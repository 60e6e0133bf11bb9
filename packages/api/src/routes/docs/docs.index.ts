import { APP_NAME, APP_VERSION } from '@pixelflare/config';
import type { AppRouter } from '../../lib/create-router';
import { SECURITY_SCHEMES } from '../../lib/openapi';

export const OPENAPI_PATH = '/openapi.json';
/**
 * Where wrangler's `[assets]` serves `@scalar/api-reference`'s browser build from node_modules (`base_path`):
 * the page needs nothing from another host, so it works offline and under a self-only CSP.
 */
export const SCALAR_ASSETS_PATH = '/v1/docs/assets';
export const DOCS_INIT_PATH = '/v1/docs/init.js';

/** Scalar's options: no web fonts, telemetry or AI agent, which would all reach Scalar's servers. */
const scalarConfiguration = {
  url: `/v1${OPENAPI_PATH}`,
  withDefaultFonts: false,
  telemetry: false,
  agent: { disabled: true },
};

// Both scripts are files of this host (no inline script), so the page's CSP allows scripts from 'self' only.
const docsPage = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>${APP_NAME} API reference</title>
  </head>
  <body>
    <div id="app"></div>
    <script type="module" src="${DOCS_INIT_PATH}"></script>
  </body>
</html>
`;

const initScript = `import { createApiReference } from '${SCALAR_ASSETS_PATH}/standalone.esm.js';
createApiReference('#app', ${JSON.stringify(scalarConfiguration)});
`;

/** Serves the generated OpenAPI 3.1 document and the interactive reference (Scalar) beside it. */
export function mountApiDocs(router: AppRouter) {
  router.openAPIRegistry.registerComponent('securitySchemes', SECURITY_SCHEMES.bearer, {
    type: 'http',
    scheme: 'bearer',
    description: 'An API key (`pf_...`) created in Settings › API keys or with `POST /v1/keys`.',
  });
  router.openAPIRegistry.registerComponent('securitySchemes', SECURITY_SCHEMES.uploadToken, {
    type: 'apiKey',
    in: 'query',
    name: 'token',
    description: 'The single-use token in the `upload_url` that `POST /v1/images` answers with (15 minutes).',
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
  router.get('/docs', (c) => c.html(docsPage));
  router.get('/docs/init.js', (c) =>
    c.body(initScript, 200, { 'Content-Type': 'text/javascript; charset=utf-8' }),
  );
}
