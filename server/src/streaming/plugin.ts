import websocket from '@fastify/websocket';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
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
      authenticate: (secret) => app.authenticateSecret(secret),
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

    await app.register(websocket, {
      // No compression: ws's default, made explicit, since each deflating connection would keep zlib contexts of its own.
      options: { maxPayload: settings.maxMessageBytes, perMessageDeflate: false },
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
  { name: 'streaming', dependencies: ['prisma', 'changes', 'auth', 'snapshots'] },
);
