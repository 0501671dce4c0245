import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Redis } from 'ioredis';
import type { SdkApiService } from '../sdk-api/service.ts';
import { activeTokenIds } from '../tokens/repository.ts';
import { DEFAULT_EVENT_STREAM_SETTINGS, type EventStreamSettings, EventStreams } from './event-stream.ts';
import ofrepRoutes from './routes.ts';
import { OfrepService } from './service.ts';
import { StreamTokens, streamTokenSecret } from './stream-token.ts';

export type OfrepOptions = EventStreamSettings & {
  /** Told to providers: close the stream after this long hidden (ADR-0008's default is 120 s). */
  inactivityDelaySec: number;
};

export const DEFAULT_OFREP_OPTIONS: OfrepOptions = { ...DEFAULT_EVENT_STREAM_SETTINGS, inactivityDelaySec: 120 };

/**
 * OFREP at /ofrep/v1: evaluation through the SDK API's engine, caches and counts, and the event streams,
 * fed by one change-bus subscription for the whole replica (fanned out in process by environment).
 */
export default fp(
  async function ofrep(
    app: FastifyInstance,
    opts: { sdk: SdkApiService; redis: Redis | null; namespace: string; options?: Partial<OfrepOptions> },
  ) {
    const settings: OfrepOptions = { ...DEFAULT_OFREP_OPTIONS, ...opts.options };
    const secret = await streamTokenSecret(opts.redis, opts.namespace, (err) =>
      app.log.warn({ err }, 'could not share the OFREP stream-token secret through Redis; this replica uses its own'),
    );
    const streams = new EventStreams(settings, (key) => app.versions.get(key));
    const service = new OfrepService({
      sdk: opts.sdk,
      tokens: new StreamTokens(secret),
      streams,
      activeTokenIds: (ids) => activeTokenIds(app.prisma, ids),
      inactivityDelaySec: settings.inactivityDelaySec,
    });
    const unsubscribe = app.changeBus.subscribe((notice) => streams.onNotice(notice));
    const unsubscribeChecked = app.versions.onChecked(() => streams.reconcile());
    streams.start();
    // Open streams would keep the server from closing: they end first, and their clients reconnect elsewhere.
    app.addHook('preClose', async () => {
      unsubscribe();
      unsubscribeChecked();
      streams.closeAll();
    });
    app.decorate('ofrepStreams', streams);
    await app.register(ofrepRoutes, { prefix: '/ofrep/v1', service });
  },
  { name: 'ofrep', dependencies: ['prisma', 'changes', 'auth', 'snapshots'] },
);

declare module 'fastify' {
  interface FastifyInstance {
    /** This replica's OFREP event streams (their count is what tests and benchmarks watch). */
    ofrepStreams: EventStreams;
  }
}
