import { REQUEST_ID_HEADER } from '@pixelflare/config';
import { GatewayEnvError, loadGatewayConfig, type GatewayBindings } from './env';
import { forwardedRequest, requestIdOf, withRequestId } from './forward';
import { routeRequest } from './routing';

function jsonError(status: number, code: string, message: string, requestId: string): Response {
  return Response.json(
    { error: { code, message } },
    { status, headers: { [REQUEST_ID_HEADER]: requestId, 'Cache-Control': 'no-store' } },
  );
}

/**
 * The gateway's whole hot path: validate the config (cached per env), pick the upstream from host and path, and
 * hand the request to it through its service binding. No body is read and nothing is awaited but that fetch.
 */
export default {
  async fetch(request, env): Promise<Response> {
    const requestId = requestIdOf(request);
    let config;
    try {
      config = loadGatewayConfig(env);
    } catch (error) {
      if (!(error instanceof GatewayEnvError)) throw error;
      console.error(JSON.stringify({ level: 'error', message: error.message, requestId }));
      return jsonError(503, 'MISCONFIGURED', error.message, requestId);
    }
    const url = new URL(request.url);
    const upstream = routeRequest(url, config);
    if (upstream === 'unknown-host') {
      return jsonError(404, 'NOT_FOUND', `This gateway does not serve the host ${url.hostname}`, requestId);
    }
    const target = upstream === 'api' ? env.API : env.DASHBOARD;
    const response = await target.fetch(forwardedRequest(request, requestId));
    return withRequestId(response, requestId);
  },
} satisfies ExportedHandler<GatewayBindings>;
