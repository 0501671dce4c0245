import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * The SDK routes that browsers call (remote evaluation, metrics reports) are open to any origin: they
 * take a client key in the Authorization header, never a cookie, so another origin gains nothing a
 * script holding the key could not do anyway. Set first in `onRequest`, so that refusals carry it too.
 */
export async function allowAnyOrigin(_request: FastifyRequest, reply: FastifyReply): Promise<void> {
  reply.header('Access-Control-Allow-Origin', '*');
  reply.header('Vary', 'Origin');
}

/** The answer to a browser's preflight (OPTIONS) of a route open to any origin. */
export function answerPreflight(reply: FastifyReply, methods: string, headers = 'Authorization, Content-Type'): FastifyReply {
  return reply
    .code(204)
    .header('Access-Control-Allow-Origin', '*')
    .header('Access-Control-Allow-Methods', methods)
    .header('Access-Control-Allow-Headers', headers)
    .header('Access-Control-Max-Age', '86400')
    .send();
}
