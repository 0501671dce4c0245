import type { FastifyInstance } from 'fastify';
import { bearerSecret } from '../auth/plugin.ts';
import type { StreamHub } from './hub.ts';
import { parseVersion } from './messages.ts';

/** `GET /sdk/stream`: the websocket of PROTOCOL.md. A plain GET (no upgrade) answers 426. */
export default async function streamRoutes(app: FastifyInstance, opts: { hub: StreamHub }) {
  app.route({
    method: 'GET',
    url: '/sdk/stream',
    schema: { hide: true },
    handler: async (_request, reply) =>
      reply.code(426).header('Upgrade', 'websocket').send({
        error: 'upgrade_required',
        message: 'This is a websocket endpoint: connect with a websocket client (see the stream protocol)',
        details: [],
      }),
    wsHandler: (socket, request) => {
      opts.hub.accept(socket, {
        secret: bearerSecret(request),
        version: parseVersion(request.headers['x-switchyard-version']),
        address: request.ip,
      });
    },
  });
}
