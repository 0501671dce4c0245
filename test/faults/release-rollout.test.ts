/**
 * Guarded rollouts end to end (issue 12): real SDK clients streaming from two replicas (real
 * `server/start.sh` processes on one database and one Redis, behind a round-robin balancer).
 *
 * 1. A release plan walks through its stages in order, each applied once, and what every client
 *    serves follows it: the contexts on the new variation are exactly the stage's, and only grow.
 * 2. A guarded plan whose new variation makes far more contexts track `checkout-error` than the old one
 *    (an injected regression, measured by the clients' own metrics reports) is rolled back by the server
 *    on its own, and every client serves the old variation to every context again within 1 s of the
 *    decision.
 */
import type { FlagsClient } from '@switchyard/sdk';
import { bucket } from '@switchyard/sdk/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestDatabase } from '../helpers/database.ts';
import { TcpProxy } from '../helpers/tcp-proxy.ts';
import { until } from '../helpers/wait.ts';
import { ClientPool, createKeys, environmentVersion, seededDatabase } from './helpers/fleet.ts';
import { ok } from './helpers/http.ts';
import { PrivateRedis } from './helpers/redis-server.ts';
import { ReplicaProcess } from './helpers/replica-process.ts';

const CLIENTS = 24;
const SECOND = 1 / 60; // in holdMinutes
const STAFF = ['staff-1', 'staff-2', 'staff-3'];

type Plan = { id: string; status: string; stageIndex: number; endedAt: string | null; waitingFor: string | null; lastVerdict: any };

describe('release plans with real SDK clients on two replicas', () => {
  let redis: PrivateRedis;
  let db: TestDatabase;
  let adminToken: string;
  let a: ReplicaProcess;
  let b: ReplicaProcess;
  let balancer: TcpProxy;
  let fleet: FlagsClient[];
  const clients = new ClientPool();

  const admin = (method: string, path: string, body?: unknown) => ok(b.url, method, path, { token: adminToken, body });
  const planOf = (id: string): Promise<Plan> => admin('GET', `/api/release-plans/${id}`);
  /** The plan's audit events, oldest first, as the audit API lists them. */
  const planEvents = async (flagKey: string, planId: string) => {
    const page = await admin('GET', `/api/audit?resourceType=release-plan&flag=${flagKey}&limit=200`);
    return (page.items as { id: string; action: string; resourceKey: string; createdAt: string; after: { stageIndex: number } }[])
      .filter((e) => e.resourceKey === planId)
      .sort((x, y) => (BigInt(x.id) < BigInt(y.id) ? -1 : 1));
  };
  /** Creates a boolean flag (off: everyone gets `false`) and waits until every client has it. */
  const createFlag = async (key: string) => {
    const flag = await admin('POST', '/api/flags', { key, name: key, kind: 'boolean' });
    const version = await environmentVersion(db.prisma);
    await until('every client has the new flag', () => fleet.every((c) => (c.version ?? 0) >= version), 15_000);
    return flag as { salt: string };
  };

  beforeAll(async () => {
    redis = await PrivateRedis.start();
    ({ db, adminToken } = await seededDatabase());
    const env = {
      DATABASE_URL: db.url,
      REDIS_URL: redis.url,
      SWITCHYARD_ADMIN_TOKEN: adminToken,
      SWITCHYARD_RELEASE_GUARD_INTERVAL_SECONDS: '1',
      SWITCHYARD_DUE_WORK_POLL_MS: '100',
    };
    [a, b] = await Promise.all([ReplicaProcess.start(env), ReplicaProcess.start(env)]);
    balancer = await TcpProxy.start([a.target, b.target]);
    const { serverKey } = await createKeys(b.url, adminToken);
    await admin('POST', '/api/environments/production/segments', { key: 'internal-users', name: 'Internal users', included: STAFF });
    fleet = Array.from({ length: CLIENTS }, () => clients.open({ url: balancer.url, sdkKey: serverKey, metricsIntervalMs: 500 }));
    for (const c of fleet) expect(await c.ready()).toBe(true);
    // Nothing evaluated yet, so no metrics report has opened a connection: these are the streams.
    expect(balancer.connectionsTo(a.target)).toBe(CLIENTS / 2);
    expect(balancer.connectionsTo(b.target)).toBe(CLIENTS / 2);
  });
  afterAll(async () => {
    await clients.closeAll();
    await balancer?.close();
    await Promise.all([a?.kill(), b?.kill()]);
    await db?.drop();
    await redis?.stop();
  });

  it('walks a plan through its stages in order, and every client serves each stage, contexts only moving forward', async () => {
    const flagKey = 'new-onboarding';
    const { salt } = await createFlag(flagKey);
    const readers = Array.from({ length: 200 }, (_, i) => `reader-${i}`);
    const everyone = [...STAFF, ...readers];
    /** What a client serves now: the keys of the contexts on the new variation (true). */
    const servedNew = (c: FlagsClient) => everyone.filter((key) => c.isEnabled(flagKey, { key }));
    // Every distinct set of contexts on the new variation each client served, in order (from its change events).
    const seen = fleet.map((c) => [servedNew(c).join(',')]);
    for (const [i, c] of fleet.entries()) {
      c.on('change', (keys) => {
        if (!keys.includes(flagKey)) return;
        const now = servedNew(c).join(',');
        if (seen[i]!.at(-1) !== now) seen[i]!.push(now);
      });
    }

    // Internal users first, then shares of everyone: the internal users keep the new variation at the
    // later stages (contexts only move forward) without each stage having to name their segment again.
    const plan: Plan = await admin('POST', `/api/flags/${flagKey}/environments/production/release-plans`, {
      stages: [
        { name: 'internal users', percentage: 0, segments: ['internal-users'], holdMinutes: 2 * SECOND },
        { percentage: 10, holdMinutes: 2 * SECOND },
        { percentage: 50, holdMinutes: 2 * SECOND },
        { percentage: 100, holdMinutes: 0 },
      ],
    });
    await until('the plan completes', async () => (await planOf(plan.id)).status === 'completed', 45_000, 200);
    await until('every client serves the last stage', () => fleet.every((c) => servedNew(c).length === everyone.length), 15_000);

    expect((await planEvents(flagKey, plan.id)).map((e) => [e.action, e.after.stageIndex])).toEqual([
      ['release.started', 0],
      ['release.stage-applied', 1],
      ['release.stage-applied', 2],
      ['release.stage-applied', 3],
      ['release.completed', 3],
    ]);

    // The contexts each stage serves the new variation, from the engine's published bucketing (the
    // flag's salt), the internal users first; a context once on the new variation stays on it.
    const inFirst = (percentage: number) => readers.filter((key) => bucket(flagKey, salt, key) < percentage / 100);
    const stages = [[], STAFF, [...STAFF, ...inFirst(10)], [...STAFF, ...inFirst(50)], everyone];
    const expected = stages.map((keys) => everyone.filter((key) => keys.includes(key)).join(','));
    const movedBack = new Set<string>();
    for (const history of seen) {
      for (let k = 1; k < history.length; k++) {
        const now = new Set(history[k]!.split(','));
        const lost = history[k - 1]!.split(',').filter((key) => key !== '' && !now.has(key));
        if (lost.length > 0) movedBack.add(`${lost.join(', ')} (change ${k})`);
      }
    }
    expect([...movedBack], 'contexts moved back to the old variation').toEqual([]);
    // Every change reaches every client as a patch, in order: each client saw every stage, once, in order.
    for (const history of seen) expect(history).toEqual(expected);
    const sizes = stages.map((keys) => keys.length);
    console.log(`release walk: ${CLIENTS} clients each served ${sizes.join(' -> ')} of ${everyone.length} contexts the new variation`);
  }, 60_000);

  it('rolls a guarded plan back on its own when the new variation regresses, and every client serves the old one within 1 s', async () => {
    const flagKey = 'new-checkout';
    await createFlag(flagKey);
    const shoppers = Array.from({ length: 2000 }, (_, i) => `shopper-${i}`);
    // The injected regression: 30 % of the contexts served the new variation hit a checkout error, 1 % of the others.
    const hitsError = (i: number, onNew: boolean) => (onNew ? i % 10 < 3 : i % 100 === 7);
    const tracked = fleet.map(() => new Set<string>());
    /** Production traffic: each client serves its share of the shoppers and tracks their checkout errors. */
    const traffic = () =>
      fleet.forEach((c, n) => {
        for (let i = n; i < shoppers.length; i += CLIENTS) {
          const context = { key: shoppers[i]! };
          const onNew = c.isEnabled(flagKey, context);
          if (hitsError(i, onNew) && !tracked[n]!.has(`${context.key}/${onNew}`)) {
            c.track('checkout-error', context);
            tracked[n]!.add(`${context.key}/${onNew}`);
          }
        }
      });

    // When each client first served the old variation to every watched context again after serving the new one to some.
    const watched = shoppers.slice(0, 200);
    const allOld = (c: FlagsClient) => watched.every((key) => !c.isEnabled(flagKey, { key }));
    const servedNew = fleet.map(() => false);
    const backAt = fleet.map((): number | null => null);
    for (const [i, c] of fleet.entries()) {
      c.on('change', (keys) => {
        if (!keys.includes(flagKey) || backAt[i] !== null) return;
        if (!allOld(c)) servedNew[i] = true;
        else if (servedNew[i]) backAt[i] = Date.now();
      });
    }

    const plan: Plan = await admin('POST', `/api/flags/${flagKey}/environments/production/release-plans`, {
      stages: [
        { name: 'canary', percentage: 50, holdMinutes: 60 },
        { percentage: 100, holdMinutes: 60 },
      ],
      guard: { metrics: [{ key: 'checkout-error', kind: 'binary', minimumContexts: 50 }], onRegression: 'rollback' },
    });
    const timer = setInterval(traffic, 100);
    let ended: Plan;
    try {
      ended = await until(
        'the guard rolls the plan back',
        async () => {
          const p = await planOf(plan.id);
          return p.status === 'running' ? null : p;
        },
        45_000,
        100,
      );
      await until('every client serves the old variation again', () => backAt.every((t) => t !== null), 15_000);
    } finally {
      clearInterval(timer);
    }

    expect(ended).toMatchObject({ status: 'rolled-back', stageIndex: 0, waitingFor: expect.stringContaining('checkout-error') });
    const verdict = ended.lastVerdict.metrics[0];
    expect(ended.lastVerdict.outcome).toBe('regression');
    expect(verdict.treatment.estimate).toBeGreaterThan(verdict.control.estimate);
    const events = await planEvents(flagKey, plan.id);
    expect(events.map((e) => [e.action, e.after.stageIndex])).toEqual([
      ['release.started', 0],
      ['release.rolled-back', 0],
    ]);
    expect(servedNew.every(Boolean)).toBe(true);
    expect(fleet.every(allOld)).toBe(true);

    // The decision: the plan's rolled-back audit event, written (replica clock, this host) once the guard's
    // verdict is in, in the transaction of the rollback. The plan's endedAt is earlier: the start of the
    // look that read the guard's data (measured 0.09 to 2.7 s before the audit event with the machine
    // loaded by other work, most of it spent waiting for CPU), so the lags from it are reported too.
    const decidedAt = Date.parse(events[1]!.createdAt);
    const lags = backAt.map((t) => t! - decidedAt).sort((x, y) => x - y);
    const at = (q: number) => lags[Math.min(lags.length - 1, Math.ceil(q * lags.length) - 1)]!;
    const fromLookStart = Math.max(...backAt.map((t) => t! - Date.parse(ended.endedAt!)));
    console.log(
      `guarded rollback: decided at ${events[1]!.createdAt} (look started ${ended.endedAt}) on ${verdict.treatment.contexts} new / ` +
        `${verdict.control.contexts} old contexts (error rates ${verdict.treatment.estimate.toFixed(3)} / ` +
        `${verdict.control.estimate.toFixed(3)}); ${CLIENTS} clients back on the old variation after ` +
        `min ${lags[0]} ms, median ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${lags.at(-1)} ms (max ${fromLookStart} ms from the look's start)`,
    );
    // The bound: every client serves the old variation within a second of the decision.
    expect(lags[0]).toBeGreaterThanOrEqual(0);
    expect(lags.at(-1)).toBeLessThan(1000);
  }, 60_000);
});
