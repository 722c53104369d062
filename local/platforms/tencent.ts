/**
 * Node HTTP request ↔ SCF event-function invocation through a Function URL, the HTTP entry SCF now
 * offers: `{body, headers, httpMethod, path, queryString}` with lower-case headers and the client
 * address in `x-scf-remote-addr`; the role's keys are in the environment, not the context.
 *
 * @module
 */
import type { IncomingMessage } from 'node:http';

export function scfFunctionUrlEvent(req: IncomingMessage, body: Buffer) {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  headers['x-scf-remote-addr'] = req.socket.remoteAddress ?? '';
  return {
    body: body.toString('utf8'),
    headers,
    httpMethod: req.method ?? 'GET',
    path: url.pathname,
    queryString: Object.fromEntries(url.searchParams),
  };
}

export const scfContext = (requestId: string) => ({
  request_id: requestId,
  time_limit_in_ms: 10_000,
  memory_limit_in_mb: 128,
  function_name: 'stsgate',
  function_version: '$LATEST',
  namespace: 'default',
});
