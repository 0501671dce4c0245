import websocket from '@fastify/websocket';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { findEnvironment } from '../environments/repository.ts';
import { loadPatch } from '../snapshots/read-model.ts';
import { activeTokenIds } from '../tokens/repository.ts';
import { DEFAULT_HUB_LIMITS, type HubLimits, StreamHub } from './hub.ts';
import streamRoutes from './routes.ts';

export type StreamingOptions = HubLimits & {
  /** Largest client message; a bigger one closes the connection with 1009. */
  maxMessageBytes: number;
};

export const DEFAULT_STREAMING_OPTIONS: StreamingOptions = {
  ...DEFAULT_HUB_LIMITS,
  maxMessageBytes: 64 * 1024,
};

const CLOSE_HANDSHAKE_TIMEOUT_MS = 1000;

/** ws's errors for frames a client should not have sent carry codes such as WS_ERR_INVALID_UTF8. */
const isProtocolViolation = (err: Error) => /^WS_ERR_/.test(String((err as NodeJS.ErrnoException).code));

declare module 'fastify' {
  interface FastifyInstance {
    streamHub: StreamHub;
  }
}

/** The websocket stream and its hub, fed by the change bus and the snapshots' version checks. */
export default fp(
  async function streaming(app: FastifyInstance, opts: { options?: Partial<StreamingOptions> }) {
    const settings: StreamingOptions = { ...DEFAULT_STREAMING_OPTIONS, ...opts.options };
    const hub = new StreamHub({
      activeTokenIds: (ids) => activeTokenIds(app.prisma, ids),
      environmentExists: async (key) => (await findEnvironment(app.prisma, key)) !== null,
      authenticate: (secret) => app.authenticateSecret(secret),
      recordAuthFailure: (address) => app.countAuthFailure(address),
      log: app.log,
      limits: settings,
      source: {
        currentSnapshot: (key) => app.snapshots.current(key),
        loadPatch: (key, from) => loadPatch(app.prisma, key, from),
        latestVersion: (key) => app.versions.get(key),
        observe: (key, version) => app.versions.observe(key, version),
      },
    });
    app.decorate('streamHub', hub);

    const unsubscribe = app.changeBus.subscribe((notice) => hub.onNotice(notice));
    const unsubscribeChecked = app.versions.onChecked(() => hub.reconcile());
    hub.start();

    const socketOptions = {
      maxPayload: settings.maxMessageBytes,
      // No compression: ws's default, made explicit, since each deflating connection would keep zlib contexts of its own.
      perMessageDeflate: false,
      // A peer that does not answer a close frame within a second is cut (ws waits 30 s by default), so a
      // refused socket cannot be held open by ignoring its refusal. (ws 8.19+; not yet in @types/ws.)
      closeTimeout: CLOSE_HANDSHAKE_TIMEOUT_MS,
    };
    await app.register(websocket, {
      options: socketOptions,
      errorHandler: (err, socket, request) => {
        // A client that broke the websocket protocol (a message over 64 KiB, text that is not UTF-8) was already
        // closed by ws with the code for it (1009, 1007): the client's mistake, not worth an error in the log.
        if (isProtocolViolation(err)) {
          request.log.info({ err }, 'stream client broke the websocket protocol');
        } else {
          request.log.error({ err }, 'stream connection failed');
          socket.terminate();
        }
      },
      // Clients are told the server is going away (1001) so they reconnect elsewhere and resume.
      preClose: async () => {
        await hub.shutdown();
        await new Promise<void>((resolve) => app.websocketServer.close(() => resolve()));
      },
    });
    await app.register(streamRoutes, { hub });

    app.addHook('onClose', async () => {
      unsubscribe();
      unsubscribeChecked();
    });
  },
  { name: 'streaming', dependencies: ['prisma', 'changes', 'auth', 'auth-rate-limit', 'snapshots'] },
);
