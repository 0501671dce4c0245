import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Redis } from 'ioredis';
import { EvalCache } from './eval-cache.ts';
import { SnapshotCache } from './snapshot-cache.ts';
import { VersionTracker } from './version-tracker.ts';

export type SnapshotOptions = {
  /** How often each replica reads every environment's version from the database (the safety net for lost notices). */
  versionCheckIntervalMs: number;
  snapshotCacheTtlSeconds: number;
  evalCacheTtlSeconds: number;
};

export const DEFAULT_SNAPSHOT_OPTIONS: SnapshotOptions = {
  versionCheckIntervalMs: 3_000,
  snapshotCacheTtlSeconds: 3600,
  evalCacheTtlSeconds: 300,
};

declare module 'fastify' {
  interface FastifyInstance {
    snapshots: SnapshotCache;
    evalCache: EvalCache;
    versions: VersionTracker;
  }
}

export type SnapshotsPluginOptions = {
  redis: Redis | null;
  namespace: string;
  options?: Partial<SnapshotOptions>;
};

/** The read model's caches: each environment's snapshot, remote evaluations, and the latest known versions. */
export default fp(
  async function snapshots(app: FastifyInstance, opts: SnapshotsPluginOptions) {
    const settings: SnapshotOptions = { ...DEFAULT_SNAPSHOT_OPTIONS, ...opts.options };
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
    app.decorate('versions', versions);
    app.decorate('snapshots', snapshots);
    app.decorate('evalCache', evalCache);

    const unsubscribe = app.changeBus.subscribe((notice) => {
      switch (notice.resourceType) {
        case 'flag':
        case 'segment':
          versions.observe(notice.environmentKey, notice.version);
          return;
        case 'environment':
          versions.forget(notice.environmentKey);
          snapshots.forget(notice.environmentKey);
          evalCache.forgetEnvironment(notice.environmentKey);
          return;
        case 'token':
          return;
      }
    });
    const unsubscribeResubscribe = app.changeBus.onResubscribe?.(() => void versions.check());
    versions.start(settings.versionCheckIntervalMs);

    app.addHook('onReady', async () => {
      await versions.check();
    });
    app.addHook('onClose', async () => {
      unsubscribe();
      unsubscribeResubscribe?.();
      versions.stop();
    });
  },
  { name: 'snapshots', dependencies: ['prisma', 'changes'] },
);
