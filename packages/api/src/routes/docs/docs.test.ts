import { describe, expect, it } from 'vitest';
import { createApiRouter } from '../../app';
import { call } from '../../../test/helpers';

interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
  components: { securitySchemes?: Record<string, unknown> };
}

describe('OpenAPI document', () => {
  it('is served as OpenAPI 3.1 JSON and lists every /v1 route the API registers', async () => {
    const response = await call('/v1/openapi.json');
    expect(response.status).toBe(200);
    const doc = (await response.json()) as OpenApiDocument;
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info.title).toBe('Pixelflare API');
    expect(doc.components.securitySchemes).toHaveProperty('bearerAuth');

    // Every route registered through the OpenAPI contract appears in the document, and nothing else does.
    const registered = createApiRouter()
      .openAPIRegistry.definitions.filter((d) => d.type === 'route')
      .map((d) => (d.type === 'route' ? `${d.route.method} ${d.route.path}` : ''));
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => `${method} ${path}`),
    );
    expect(documented.sort()).toEqual(registered.sort());
    expect(documented).toContain('get /status');
  });
});

describe('API reference page', () => {
  it('loads Scalar from this host only: no inline script, nothing from another host, a self-only CSP', async () => {
    const page = await call('/v1/docs');
    expect(page.status).toBe(200);
    const html = await page.text();
    expect([...html.matchAll(/<script\b[^>]*>/g)].map(([tag]) => tag)).toEqual([
      '<script type="module" src="/v1/docs/init.js">',
    ]);
    expect(html).not.toMatch(/https?:\/\//);
    const csp = page.headers.get('Content-Security-Policy') ?? '';
    expect(csp).toContain("script-src 'self';");
    expect(csp).not.toMatch(/https?:/);

    const init = await call('/v1/docs/init.js');
    expect(init.headers.get('Content-Type')).toMatch(/^text\/javascript/);
    const script = await init.text();
    expect(script).toContain("from '/v1/docs/assets/standalone.esm.js'");
    expect(script).toContain('"url":"/v1/openapi.json"');
    // The bundle itself is wrangler's [assets] (not the Worker): the dashboard's e2e suite loads the page for real.
  });
});
