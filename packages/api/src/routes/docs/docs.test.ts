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
