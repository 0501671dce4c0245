import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { setSecurityHeaders } from './security-headers.ts';

type ClientError = Error & { code?: string };

/**
 * Answers requests that Node's HTTP parser refuses before Fastify sees them (headers over Node's
 * 16 KiB default, unparseable request lines) with the same JSON error shape as every other error.
 */
export function clientErrorHandler(error: ClientError, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, reason, code, path, message] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [
          431,
          'Request Header Fields Too Large',
          'headers_too_large',
          'headers',
          'The request headers are larger than the server accepts (16 KiB in all)',
        ]
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'Request Timeout', 'timeout', 'body', 'The request took too long to arrive']
        : [400, 'Bad Request', 'bad_request', 'request', 'The request is not valid HTTP'];
  const body = JSON.stringify({ error: code, message, details: [{ path, message }] });
  if (socket.writable) {
    socket.end(
      `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `X-Content-Type-Options: nosniff\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}

/** The longest path parameter the router takes (Fastify's routerOptions.maxParamLength): longer is a 414. */
export const MAX_PARAM_LENGTH = 200;

/**
 * Fastify answers URLs that its router refuses (bad percent-encoding, a path parameter over
 * maxParamLength) without the error handler; this gives them the same JSON error shape.
 */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const status = typeof error.statusCode === 'number' ? error.statusCode : 400;
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') uriTooLong(request, reply, status);
  else answerUrlError(request, reply, status, 'bad_request', 'The URL is not valid');
}

/**
 * A path parameter over MAX_PARAM_LENGTH. Also for a catch-all route (the console's), which the
 * router hands such URLs instead of refusing them.
 */
export function uriTooLong(request: FastifyRequest, reply: FastifyReply, status = 414): void {
  answerUrlError(request, reply, status, 'uri_too_long', `A path parameter is longer than ${MAX_PARAM_LENGTH} characters`);
}

function answerUrlError(request: FastifyRequest, reply: FastifyReply, status: number, code: string, message: string): void {
  setSecurityHeaders(reply, request.url); // these answers skip the onSend hooks
  void reply.code(status).send({ error: code, message, details: [{ path: 'url', message }] });
}
