import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerOptions,
  type ServerResponse,
} from 'node:http';
import type { Duplex } from 'node:stream';
import { type ProblemCode, problemBody } from './problem.js';

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  431: 'Request Header Fields Too Large',
};

/** The problem for an error Node's HTTP parser or its timeouts raised before any route ran. */
export function clientErrorProblem(error: Error & { code?: string }): { code: ProblemCode; detail: string } {
  if (error.code === 'HPE_HEADER_OVERFLOW') {
    return {
      code: 'header_fields_too_large',
      detail: 'The request line and headers exceed the size this server accepts.',
    };
  }
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT' || error.code === 'ERR_HTTP_HEADERS_TIMEOUT') {
    return { code: 'request_timeout', detail: 'The request headers or body did not arrive in time.' };
  }
  return { code: 'invalid_request', detail: 'The request is not valid HTTP/1.1.' };
}

/**
 * Answers requests Node's HTTP parser refuses (malformed framing, control characters, oversized heads)
 * and requests that time out, with the same problem+json as the app instead of Node's bare status line,
 * then closes the connection. Like Node's own handler, it answers only on a connection that has not
 * written anything yet (a reused keep-alive connection is just closed: a pipelined response may be
 * half-sent).
 */
export function answerClientErrors(server: Server): void {
  server.on('clientError', (error: Error & { code?: string }, socket: Duplex) => {
    const written = (socket as Duplex & { bytesWritten?: number }).bytesWritten ?? 0;
    if (error.code === 'ECONNRESET' || !socket.writable || written > 0) {
      socket.destroy();
      return;
    }
    const { code, detail } = clientErrorProblem(error);
    const problem = problemBody(code, detail);
    const body = JSON.stringify(problem);
    const { status } = problem;
    socket.end(
      [
        `HTTP/1.1 ${status} ${REASONS[status] ?? 'Bad Request'}`,
        'Content-Type: application/problem+json',
        'Cache-Control: no-store',
        'X-Content-Type-Options: nosniff',
        `Content-Length: ${Buffer.byteLength(body)}`,
        'Connection: close',
        '',
        body,
      ].join('\r\n'),
      () => socket.destroy(),
    );
  });
}

/** A Node request listener. */
export type RequestListener = (incoming: IncomingMessage, outgoing: ServerResponse) => void;

/**
 * Wraps the app's listener so request targets no route can have (the asterisk form of `OPTIONS *`, or
 * anything neither a path nor an absolute http(s) URL) get a problem+json 400 instead of the adapter's
 * bare status.
 */
export function guardRequestTargets(listener: RequestListener): RequestListener {
  return function guardedListener(incoming, outgoing) {
    const target = incoming.url ?? '';
    if (target.startsWith('/') || /^https?:\/\//i.test(target)) {
      listener(incoming, outgoing);
      return;
    }
    const detail =
      target === '*'
        ? 'The asterisk-form target (OPTIONS *) is not supported; send OPTIONS to a path such as /insights.'
        : 'The request target must be a path starting with "/".';
    const body = JSON.stringify(problemBody('invalid_request', detail));
    incoming.resume();
    outgoing.writeHead(400, {
      'Content-Type': 'application/problem+json',
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      'Content-Length': Buffer.byteLength(body),
    });
    outgoing.end(body);
  };
}

/**
 * `createServer` for `@hono/node-server`'s `serve` (which always passes options and the listener), with
 * {@link guardRequestTargets} in front of the app.
 */
export const createGuardedServer = ((options: ServerOptions, listener: RequestListener): Server =>
  createServer(options, guardRequestTargets(listener))) as typeof createServer;
