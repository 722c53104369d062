/**
 * CORS for browser callers. Preflights are answered here, before authentication (a browser never sends
 * credentials on a preflight); every other response gets the allow-origin header for permitted origins.
 *
 * @module
 */
import type { MiddlewareObj, Request } from '@middy/core';
import type { CorsConfig } from '../cors-config.js';
import type { HttpEvent, HttpResponse, PipelineContext } from '../types.js';

type CorsRequest = Request<HttpEvent, HttpResponse, Error, PipelineContext>;

const ALLOWED_METHODS = 'POST, OPTIONS';
const ALLOWED_HEADERS = 'authorization, content-type';
/**
 * Let browser code read why it was refused and when to retry, the server's clock (`Date` is not a
 * CORS-safelisted header): the browser client measures the device's clock skew with it, so that
 * `expiredTime` is judged by the server's clock, not a phone's wrong one; and the request id, which a
 * user's report needs for the request to be found in the function's log.
 */
const EXPOSED_HEADERS = 'Date, Retry-After, WWW-Authenticate, X-Request-Id';
const PREFLIGHT_MAX_AGE_SECONDS = '600';

export function httpCors(config: CorsConfig | undefined): MiddlewareObj<HttpEvent, HttpResponse, Error, PipelineContext> {
  const allowOriginFor = (origin: string | undefined): string | undefined => {
    if (!config || !origin) return undefined;
    if (config.anyOrigin) return '*';
    return config.origins.has(origin) ? origin : undefined;
  };

  const addHeaders = (request: CorsRequest) => {
    if (!request.response) return;
    const allowOrigin = allowOriginFor(request.event.headers.origin);
    if (config && !config.anyOrigin) request.response.headers.Vary = 'Origin';
    if (!allowOrigin) return;
    request.response.headers['Access-Control-Allow-Origin'] = allowOrigin;
    request.response.headers['Access-Control-Expose-Headers'] = EXPOSED_HEADERS;
  };

  return {
    before: function httpCorsPreflight(request: CorsRequest) {
      if (request.event.requestContext.http.method !== 'OPTIONS') return undefined;
      const headers: Record<string, string> = { Allow: ALLOWED_METHODS, 'Cache-Control': 'no-store' };
      const allowOrigin = allowOriginFor(request.event.headers.origin);
      if (config && !config.anyOrigin) headers.Vary = 'Origin';
      if (allowOrigin) {
        headers['Access-Control-Allow-Origin'] = allowOrigin;
        headers['Access-Control-Allow-Methods'] = ALLOWED_METHODS;
        headers['Access-Control-Allow-Headers'] = ALLOWED_HEADERS;
        headers['Access-Control-Max-Age'] = PREFLIGHT_MAX_AGE_SECONDS;
      }
      // Returning a value ends the pipeline here: no authentication for a preflight.
      return { statusCode: 204, headers, body: '' };
    },
    after: function httpCorsAfter(request: CorsRequest) {
      addHeaders(request);
    },
    onError: function httpCorsOnError(request: CorsRequest) {
      addHeaders(request);
    },
  };
}
