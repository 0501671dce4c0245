import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../../helpers/app.ts';
import { until } from '../../helpers/wait.ts';
import { createFlag, type Replica, startReplica, startStreamingApp, toggle } from '../streaming/stream-kit.ts';
import { environmentId } from './reports.ts';

/** The counts are sent this often here (10 s in production) and folded by the test. */
const FLUSH_MS = 100;
const metrics = { foldIntervalMs: 0, remoteCountsFlushIntervalMs: FLUSH_MS };

describe('remote evaluations are counted as the server’s own metrics reports', () => {
  let t: TestApp;
  let server: Replica;
  let namespace: string;
  let clientKey: string;
  let production: string;

  const evaluate = async (app: Replica, key: string) => {
    const res = await app.app.inject({
      method: 'POST',
      url: '/sdk/evaluate',
      headers: { authorization: `Bearer ${clientKey}` },
      payload: { context: { key } },
    });
    expect(res.statusCode).toBe(200);
    return res.headers['x-switchyard-cache'];
  };
  /** Rollup counts per flag/variation, once everything sent so far has been folded and they equal `expected`. */
  const countsReach = (expected: Record<string, number>) =>
    until(`counts reach ${JSON.stringify(expected)}`, async () => {
      await t.app.metrics.folder.foldPending();
      const rows = await t.db.prisma.flagEvaluationRollup.groupBy({ by: ['flagKey', 'variation', 'errorKind'], _sum: { count: true } });
      const counts = Object.fromEntries(rows.map((r) => [`${r.flagKey}/${r.variation}${r.errorKind}`, Number(r._sum.count)]));
      return JSON.stringify(counts, Object.keys(counts).sort()) === JSON.stringify(expected, Object.keys(expected).sort()) ? counts : null;
    });

  beforeAll(async () => {
    ({ t, replica: server, namespace } = await startStreamingApp({ metrics }));
    clientKey = await t.createToken('client', 'production');
    production = await environmentId(t.db.prisma, 'production');
    await createFlag(t, 'new-checkout', { clientSideAvailable: true }); // off: serves variation 1
    await createFlag(t, 'dark-mode', { clientSideAvailable: true });
    await toggle(t, 'dark-mode', 'production', true); // on: serves its fallthrough, variation 0
    await createFlag(t, 'internal-only'); // never in an answer, never counted
  });
  afterAll(async () => server?.close());

  it('counts every answer, evaluated now or from the cache, per flag and variation', async () => {
    expect(await evaluate(server, 'user-1')).toBe('miss');
    expect(await evaluate(server, 'user-1')).toBe('hit');
    expect(await evaluate(server, 'user-2')).toBe('miss');
    await countsReach({ 'new-checkout/1': 3, 'dark-mode/0': 3 });

    const [instance] = await t.db.prisma.sdkInstance.findMany();
    expect(instance).toMatchObject({
      environmentId: production,
      instanceId: server.app.metrics.replica,
      sdkName: '@switchyard/server',
      mode: 'server',
      snapshotVersion: (await t.db.prisma.environment.findUniqueOrThrow({ where: { key: 'production' } })).version,
    });
  });

  it('counts an answer that another replica computed (from the shared cache), on the replica that sent it', async () => {
    const other = await startReplica(t, namespace, { metrics });
    try {
      expect(await evaluate(server, 'user-3')).toBe('miss');
      expect(await evaluate(other, 'user-3')).toBe('hit'); // from Redis: this replica never evaluated it
      expect(await evaluate(other, 'user-3')).toBe('hit'); // now from its own memory
      await countsReach({ 'new-checkout/1': 6, 'dark-mode/0': 6 });
      const instances = await t.db.prisma.sdkInstance.findMany({ orderBy: { instanceId: 'asc' } });
      expect(instances.map((i) => i.instanceId).sort()).toEqual([server.app.metrics.replica, other.app.metrics.replica].sort());
    } finally {
      await other.close();
    }
  });

  it('records the exposures of a guarded release, with the context hashed by the flag’s salt', async () => {
    await createFlag(t, 'new-search', { clientSideAvailable: true });
    const patch = await t.request('PATCH', '/api/flags/new-search/environments/production', {
      body: { on: true, fallthrough: { variation: 0 }, guardedMetrics: ['search-latency-ms'] },
    });
    expect(patch.statusCode).toBe(200);
    const { salt } = await t.db.prisma.flag.findUniqueOrThrow({ where: { key: 'new-search' } });
    for (const key of ['ana', 'bo', 'ana']) await evaluate(server, key);
    await countsReach({ 'new-checkout/1': 9, 'dark-mode/0': 9, 'new-search/0': 3 });
    const hash = (key: string) => createHmac('sha256', salt).update(key).digest('hex').slice(0, 16);
    const exposures = await t.db.prisma.guardedExposure.findMany({ orderBy: { contextHash: 'asc' } });
    expect(exposures.map((e) => [e.flagKey, e.variation, e.contextHash])).toEqual(
      [hash('ana'), hash('bo')].sort().map((h) => ['new-search', 0, h]),
    );
  });

  it('sends what is left when the replica closes', async () => {
    const other = await startReplica(t, namespace, { metrics: { foldIntervalMs: 0, remoteCountsFlushIntervalMs: 3_600_000 } });
    await evaluate(other, 'user-last');
    await other.close();
    await countsReach({ 'new-checkout/1': 10, 'dark-mode/0': 10, 'new-search/0': 4 });
  });
});
