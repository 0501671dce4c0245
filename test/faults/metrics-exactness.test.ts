/**
 * Fault: SDK clients on two replicas (real `server/start.sh` processes behind a round-robin balancer)
 * evaluate a known number of times per variation and track known events while Redis restarts (empty)
 * and one replica is killed (SIGKILL) and started again. When every client has closed and the
 * replicas have folded what they received, the counts stored in PostgreSQL are exactly what the
 * clients made, minus only what the SDKs reported as dropped.
 */
import { createHmac } from 'node:crypto';
import type { FlagsClient } from '@switchyard/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestDatabase } from '../helpers/database.ts';
import { TcpProxy } from '../helpers/tcp-proxy.ts';
import { until } from '../helpers/wait.ts';
import { ClientPool, createKeys, seededDatabase } from './helpers/fleet.ts';
import { ok } from './helpers/http.ts';
import { PrivateRedis } from './helpers/redis-server.ts';
import { ReplicaProcess } from './helpers/replica-process.ts';

const CLIENTS = 6;
const CONTEXTS = 40;
const BANNERS = ['red', 'green', 'blue'];

/** What the clients made, as the test counted it from what each call returned. */
class Tally {
  readonly evaluations = new Map<string, number>();
  readonly exposed = new Map<number, Set<string>>();
  readonly converted = new Map<number, Set<string>>();
  readonly latency = new Map<number, { count: number; sum: number }>();
  events = { errors: 0, latencies: 0, latencySum: 0 };

  count(flag: string, variation: number): void {
    const id = `${flag}/${variation}`;
    this.evaluations.set(id, (this.evaluations.get(id) ?? 0) + 1);
  }

  total(): number {
    return [...this.evaluations.values()].reduce((a, b) => a + b, 0);
  }
}

describe('fault: metrics reach PostgreSQL exactly, through a Redis restart and a replica kill', () => {
  let redis: PrivateRedis;
  let db: TestDatabase;
  let adminToken: string;
  let a: ReplicaProcess;
  let b: ReplicaProcess;
  let balancer: TcpProxy;
  let salt: string;
  const clients = new ClientPool();
  const tally = new Tally();

  beforeAll(async () => {
    redis = await PrivateRedis.start();
    ({ db, adminToken } = await seededDatabase());
    const env = { DATABASE_URL: db.url, REDIS_URL: redis.url, SWITCHYARD_ADMIN_TOKEN: adminToken };
    [a, b] = await Promise.all([ReplicaProcess.start(env), ReplicaProcess.start(env)]);
    balancer = await TcpProxy.start([a.target, b.target]);
  });
  afterAll(async () => {
    await clients.closeAll();
    await balancer?.close();
    await Promise.all([a?.kill(), b?.kill()]);
    await db?.drop();
    await redis?.stop();
  });

  const admin = (method: string, path: string, body?: unknown) => ok(b.url, method, path, { token: adminToken, body });
  const halfAndHalf = {
    rollout: {
      variations: [
        { variation: 0, weight: 50_000 },
        { variation: 1, weight: 50_000 },
      ],
    },
  };

  /** One round: every client evaluates every context once per flag; some contexts track events. */
  function round(fleet: FlagsClient[], n: number): void {
    fleet.forEach((client, c) => {
      for (let i = 0; i < CONTEXTS; i++) {
        const context = { key: `user-${c}-${i}`, plan: i % 2 === 0 ? 'pro' : 'free' };
        tally.count('checkout', client.isEnabled('checkout', context) ? 0 : 1);
        tally.count('banner', BANNERS.indexOf(client.variation('banner', context, 'none')));
        const search = client.variationDetail('new-search', context, false);
        const variation = search.variationIndex!;
        tally.count('new-search', variation);
        if (!tally.exposed.has(variation)) tally.exposed.set(variation, new Set());
        tally.exposed.get(variation)!.add(context.key);
        if ((i + n) % 3 === 0) {
          client.track('search-error', context);
          tally.events.errors++;
          if (!tally.converted.has(variation)) tally.converted.set(variation, new Set());
          tally.converted.get(variation)!.add(context.key);
        }
        const ms = 10 + ((i * 7 + n) % 50);
        client.track('search-latency-ms', context, ms);
        tally.events.latencies++;
        tally.events.latencySum += ms;
        const l = tally.latency.get(variation) ?? { count: 0, sum: 0 };
        tally.latency.set(variation, { count: l.count + 1, sum: l.sum + ms });
      }
    });
  }

  it('stores every count once', async () => {
    const { serverKey } = await createKeys(b.url, adminToken);
    await admin('POST', '/api/flags', { key: 'checkout', name: 'checkout', kind: 'boolean' });
    await admin('PATCH', '/api/flags/checkout/environments/production', { on: true, fallthrough: halfAndHalf });
    await admin('POST', '/api/flags', { key: 'banner', name: 'banner', kind: 'string', variations: BANNERS });
    await admin('PATCH', '/api/flags/banner/environments/production', {
      on: true,
      rules: [{ id: 'pro', clauses: [{ attribute: 'plan', op: 'in', values: ['pro'] }], variation: 1 }],
      fallthrough: { variation: 2 },
    });
    const search = await admin('POST', '/api/flags', { key: 'new-search', name: 'new search', kind: 'boolean' });
    await admin('PATCH', '/api/flags/new-search/environments/production', {
      on: true,
      fallthrough: halfAndHalf,
      guardedMetrics: ['search-error', 'search-latency-ms'],
    });
    salt = search.salt ?? (await db.prisma.flag.findUniqueOrThrow({ where: { key: 'new-search' } })).salt;

    const fleet = Array.from({ length: CLIENTS }, () => clients.open({ url: balancer.url, sdkKey: serverKey, metricsIntervalMs: 100 }));
    for (const c of fleet) expect(await c.ready()).toBe(true);

    let n = 0;
    const rounds = async (count: number) => {
      for (let r = 0; r < count; r++) {
        round(fleet, n++);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };

    await rounds(10);
    await redis.stop();
    await rounds(10);
    await redis.start();
    await rounds(10);
    await a.kill();
    await rounds(10);
    await a.start();
    await rounds(10);
    await clients.closeAll();

    await until(
      'every report received is folded',
      async () => (await db.prisma.metricsReport.count({ where: { foldedAt: null } })) === 0,
      30_000,
      200,
    );

    const instances = await db.prisma.sdkInstance.findMany();
    expect(instances).toHaveLength(CLIENTS);
    const dropped = instances.reduce((sum, i) => sum + Number(i.droppedEvaluations), 0);
    const droppedEvents = instances.reduce((sum, i) => sum + Number(i.droppedEvents), 0);
    const rollups = await db.prisma.flagEvaluationRollup.groupBy({ by: ['flagKey', 'variation', 'errorKind'], _sum: { count: true } });
    const stored = new Map(rollups.map((r) => [`${r.flagKey}/${r.variation}`, Number(r._sum.count)]));
    expect(rollups.every((r) => r.errorKind === '')).toBe(true);
    expect([...stored.values()].reduce((x, y) => x + y, 0)).toBe(tally.total() - dropped);
    // Nothing was dropped in these faults: the SDKs kept their unsent reports and sent them again.
    expect(dropped).toBe(0);
    expect(droppedEvents).toBe(0);
    expect(Object.fromEntries(stored)).toEqual(Object.fromEntries(tally.evaluations));

    const events = await db.prisma.customEventRollup.groupBy({ by: ['eventKey'], _sum: { count: true, valueCount: true, sum: true } });
    const byKey = new Map(events.map((e) => [e.eventKey, e._sum]));
    expect(Number(byKey.get('search-error')?.count)).toBe(tally.events.errors);
    expect(Number(byKey.get('search-latency-ms')?.count)).toBe(tally.events.latencies);
    expect(Number(byKey.get('search-latency-ms')?.valueCount)).toBe(tally.events.latencies);
    expect(byKey.get('search-latency-ms')?.sum).toBe(tally.events.latencySum);

    // Guarded release: distinct contexts per variation, and the metrics attributed to them.
    const hash = (key: string) => createHmac('sha256', salt).update(key).digest('hex').slice(0, 16);
    for (const [variation, keys] of tally.exposed) {
      const rows = await db.prisma.guardedExposure.findMany({ where: { flagKey: 'new-search', variation } });
      expect(new Set(rows.map((r) => r.contextHash))).toEqual(new Set([...keys].map(hash)));
    }
    for (const [variation, keys] of tally.converted) {
      const rows = await db.prisma.guardedMetricContext.findMany({
        where: { flagKey: 'new-search', metricKey: 'search-error', variation },
      });
      expect(new Set(rows.map((r) => r.contextHash))).toEqual(new Set([...keys].map(hash)));
    }
    for (const [variation, expected] of tally.latency) {
      const sum = await db.prisma.guardedMetricRollup.aggregate({
        where: { flagKey: 'new-search', metricKey: 'search-latency-ms', variation },
        _sum: { count: true, sum: true },
      });
      expect({ count: Number(sum._sum.count), sum: sum._sum.sum }).toEqual(expected);
    }
  }, 120_000);
});
