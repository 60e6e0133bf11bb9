import { createApiRouter } from '../src/app';

export interface Operation {
  operationId?: string;
  security?: Record<string, string[]>[];
  responses: Record<string, unknown>;
}
export interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  [field: string]: unknown;
}

/** A host that stands for a deployment (not localhost or example.com, which the linter flags as placeholders). */
export const DEPLOYED_ORIGIN = 'https://images.pixelflare.test';

/** The document `/v1/openapi.json` serves, generated from the route contracts as a deployment would serve it. */
export async function openApiDocument(): Promise<OpenApiDocument> {
  const response = await createApiRouter().request(`${DEPLOYED_ORIGIN}/openapi.json`);
  if (!response.ok) throw new Error(`GET /v1/openapi.json answered ${response.status}`);
  return (await response.json()) as OpenApiDocument;
}

export function operations(document: OpenApiDocument) {
  return Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({
      name: `${method.toUpperCase()} /v1${path}`,
      operation,
    })),
  );
}
