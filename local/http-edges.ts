/**
 * The local server's edges, made to behave like the functions behind it. Node's own defaults would
 * answer first, and differently: an empty 431 for headers over 16 KiB (so an oversized token never
 * reached the function's JSON 401 "the token is too large"), and a body cap of the server's own.
 *
 * - Headers: up to {@link MAX_HEADER_BYTES} reach the function, which judges them (an Authorization
 *   header over its 8 KiB token limit gets its 401). Beyond that nothing can be parsed, and the answer
 *   is the functions' JSON error shape: 431 `invalid_request`.
 * - Bodies: up to {@link MAX_BUFFERED_BODY_BYTES} are buffered and passed on whole. A longer one is
 *   passed on cut at that size, which is still far over the function's 16 KiB limit: the function
 *   refuses a body by its size before reading any of it, so the caller gets the function's own 413,
 *   with its headers (CORS included), whatever the length sent.
 * - Ports: a port in use ends start-up with one line naming the variable that sets it.
 *
 * @module
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';
import { MAX_BODY_BYTES as FUNCTION_BODY_LIMIT } from '../lib/http/pipeline.js';
import { LocalStartupError } from './startup-error.js';

/** Node's `maxHeaderSize` for the token service: four times its default, eight times the function's token limit. */
export const MAX_HEADER_BYTES = 64 * 1024;

/** Four times the function's body limit: the function, not this server, refuses everything in between. */
export const MAX_BUFFERED_BODY_BYTES = 4 * FUNCTION_BODY_LIMIT;

/**
 * The whole body when it fits the buffer; otherwise its first {@link MAX_BUFFERED_BODY_BYTES} bytes,
 * after the rest has been read and dropped (answering before the client has finished sending would
 * make many clients report a reset connection instead of the answer).
 */
export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let kept = 0;
    req.on('data', (chunk: Buffer) => {
      if (kept >= MAX_BUFFERED_BODY_BYTES) return;
      const part = chunk.subarray(0, MAX_BUFFERED_BODY_BYTES - kept);
      chunks.push(part);
      kept += part.length;
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * Node's `clientError` handler for the token service: a request whose headers exceed
 * {@link MAX_HEADER_BYTES} gets the functions' JSON error shape; any other unparseable request is
 * answered 400 the same way. The socket is closed after the answer either way.
 */
export function answerUnparseableRequest(error: Error & { code?: string }, socket: Socket): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const [status, reason, description] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'Request Header Fields Too Large', `the request headers must be at most ${MAX_HEADER_BYTES} bytes`]
      : [400, 'Bad Request', 'the request is not valid HTTP'];
  const body = JSON.stringify({ error: 'invalid_request', error_description: description });
  socket.end(
    [
      `HTTP/1.1 ${status} ${reason}`,
      'Content-Type: application/json',
      'Cache-Control: no-store',
      `Content-Length: ${Buffer.byteLength(body)}`,
      'Connection: close',
      '',
      body,
    ].join('\r\n'),
  );
}

/**
 * Listens on `port`, or throws a LocalStartupError naming `variable` (`PORT`, `DEMO_PORT`) when the port
 * is not a port number, is taken, or is not allowed.
 */
export async function listen(server: Server, port: number, host: string, variable: string): Promise<void> {
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new LocalStartupError('port_unavailable', `stsgate local: refusing to start: ${variable} must be a port number from 0 to 65535.`);
  }
  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      const why = error.code === 'EADDRINUSE' ? 'is already in use' : error.code === 'EACCES' ? 'is not allowed for this user' : `cannot be used (${error.code ?? error.message})`;
      reject(new LocalStartupError('port_unavailable', `stsgate local: port ${port} on ${host} ${why}: stop what is using it, or set ${variable} to another port.`, { cause: error }));
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}
