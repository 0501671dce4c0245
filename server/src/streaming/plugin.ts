import websocket from '@fastify/websocket';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Redis } from 'ioredis';
import { EvalCache } from '../cache/eval-cache.ts';
import { SnapshotCache } from '../cache/snapshot-cache.ts';
import { DEFAULT_HUB_LIMITS, StreamHub, type HubLimits } from './hub.ts';
import streamRoutes from './routes.ts';
import { loadPatch } from './snapshot.ts';
import { VersionTracker } from './version-tracker.ts';

export type StreamingOptions = HubLimits & {
  /** How often each replica reads every environment's version from the database (the safety net for lost notices). */
  versionCheckIntervalMs: number;
  snapshotCacheTtlSeconds: number;
  evalCacheTtlSeconds: number;
  /** Largest client message; a bigger one closes the connection with 1009. */
  maxMessageBytes: number;
};

export const DEFAULT_STREAMING_OPTIONS: StreamingOptions = {
  ...DEFAULT_HUB_LIMITS,
  versionCheckIntervalMs: 3_000,
  snapshotCacheTtlSeconds: 3600,
  evalCacheTtlSeconds: 300,
  maxMessageBytes: 64 * 1024,
};

declare module 'fastify' {
  interface FastifyInstance {
    snapshots: SnapshotCache;
    evalCache: EvalCache;
    versions: VersionTracker;
    streamHub: StreamHub;
    /** Closes, on every replica, the stream connections that use this token. Call it after revoking the token. */
    disconnectToken(tokenId: string): Promise<void>;
  }
}

export type StreamingPluginOptions = {
  redis: Redis | null;
  namespace: string;
  options?: Partial<StreamingOptions>;
};

/** Snapshot and evaluation caches, the version tracker, and the websocket stream with its hub. */
export default fp(
  async function streaming(app: FastifyInstance, opts: StreamingPluginOptions) {
    const settings: StreamingOptions = { ...DEFAULT_STREAMING_OPTIONS, ...opts.options };
    const warn = (what: string) => (err: unknown) => app.log.warn({ err }, what);

    const versions = new VersionTracker(app.prisma, warn('could not check environment versions'));
    const snapshots = new SnapshotCache({
      prisma: app.prisma,
      redis: opts.redis,
      namespace: opts.namespace,
      tracker: versions,
      ttlSeconds: settings.snapshotCacheTtlSeconds,
      onError: warn('snapshot cache: Redis failed; using the database'),
    });
    const evalCache = new EvalCache({
      redis: opts.redis,
      namespace: opts.namespace,
      ttlSeconds: settings.evalCacheTtlSeconds,
      onError: warn('evaluation cache: Redis failed'),
    });
    const hub = new StreamHub({
      prisma: app.prisma,
      authenticate: (secret) => app.authenticateSecret(secret),
      log: app.log,
      limits: settings,
      source: {
        currentSnapshot: (key) => snapshots.current(key),
        loadPatch: (key, from) => loadPatch(app.prisma, key, from),
        latestVersion: (key) => versions.get(key),
        observe: (key, version) => versions.observe(key, version),
      },
    });

    app.decorate('snapshots', snapshots);
    app.decorate('evalCache', evalCache);
    app.decorate('versions', versions);
    app.decorate('streamHub', hub);
    app.decorate('disconnectToken', async (tokenId: string) => {
      await app.changeBus.publish({ environmentId: '', environmentKey: '', version: 0, resourceType: 'token', resourceKey: tokenId });
    });

    const unsubscribe = app.changeBus.subscribe((notice) => {
      if (notice.resourceType !== 'token') versions.observe(notice.environmentKey, notice.version);
      hub.onNotice(notice);
    });
    const unsubscribeResubscribe = app.changeBus.onResubscribe?.(() => void versions.check().then(() => hub.reconcile()));
    const checkTimer = setInterval(() => void versions.check().then(() => hub.reconcile()), settings.versionCheckIntervalMs);
    checkTimer.unref();
    hub.start();

    await app.register(websocket, {
      // No compression: ws's default, made explicit, since each deflating connection would keep zlib contexts of its own.
      options: { maxPayload: settings.maxMessageBytes, perMessageDeflate: false },
      // Clients are told the server is going away (1001) so they reconnect elsewhere and resume.
      preClose: async function () {
        await hub.shutdown();
        await new Promise<void>((resolve) => app.websocketServer.close(() => resolve()));
      },
    });
    await app.register(streamRoutes, { hub });

    app.addHook('onReady', async () => {
      await versions.check();
    });
    app.addHook('onClose', async () => {
      clearInterval(checkTimer);
      unsubscribe();
      unsubscribeResubscribe?.();
      versions.stop();
    });
  },
  { name: 'streaming', dependencies: ['prisma', 'writes', 'auth'] },
);
