import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../../helpers/app.ts';
import { until } from '../../helpers/wait.ts';
import { createFlag, environmentVersion, type Replica, startReplica, startStreamingApp, toggle } from '../streaming/stream-kit.ts';
import { SseReader } from './ofrep-kit.ts';

const metrics = { foldIntervalMs: 0, remoteCountsFlushIntervalMs: 100 };

describe('OFREP across replicas, counted like /sdk/evaluate', () => {
  let t: TestApp;
  let server: Replica;
  let other: Replica;
  let clientKey: string;

  const bulk = (replica: Replica, targetingKey: string | undefined, headers: Record<string, string> = {}) =>
    replica.app.inject({
      method: 'POST',
      url: '/ofrep/v1/evaluate/flags',
      headers: { authorization: `Bearer ${clientKey}`, ...headers },
      payload: { context: targetingKey === undefined ? {} : { targetingKey } },
    });
  /** Rollup counts per flag, variation and error kind once everything sent so far has been folded and they equal `expected`. */
  const countsReach = async (expected: Record<string, number>) => {
    let seen: Record<string, number> = {};
    await until(`counts reach ${JSON.stringify(expected)}`, async () => {
      await t.app.metrics.folder.foldPending();
      const rows = await t.db.prisma.flagEvaluationRollup.groupBy({ by: ['flagKey', 'variation', 'errorKind'], _sum: { count: true } });
      seen = Object.fromEntries(rows.map((r) => [`${r.flagKey}/${r.variation}/${r.errorKind}`, Number(r._sum.count)]));
      return JSON.stringify(seen, Object.keys(seen).sort()) === JSON.stringify(expected, Object.keys(expected).sort());
    }).catch((error: Error) => {
      throw new Error(`${error.message}; counted ${JSON.stringify(seen)}`);
    });
  };

  beforeAll(async () => {
    let namespace: string;
    ({ t, replica: server, namespace } = await startStreamingApp({ metrics }));
    other = await startReplica(t, namespace, { metrics });
    clientKey = await t.createToken('client', 'production');
    await createFlag(t, 'new-checkout', { clientSideAvailable: true }); // off: serves variation 1
    await createFlag(t, 'internal-only'); // never in a client key's answer, never counted
  });
  afterAll(async () => {
    await other?.close();
    await server?.close();
  });

  it('counts every flag answered, evaluated now, from the shared cache or one at a time, and errors by kind', async () => {
    expect((await bulk(server, 'user-1')).headers['x-switchyard-cache']).toBe('miss');
    expect((await bulk(other, 'user-1')).headers['x-switchyard-cache']).toBe('hit'); // computed by the other replica
    const single = await server.app.inject({
      method: 'POST',
      url: '/ofrep/v1/evaluate/flags/new-checkout',
      headers: { authorization: `Bearer ${clientKey}` },
      payload: { context: { targetingKey: 'user-2' } },
    });
    expect(single.statusCode).toBe(200);
    expect((await bulk(server, undefined)).statusCode).toBe(200); // no targetingKey: an error per flag
    await countsReach({ 'new-checkout/1/': 3, 'new-checkout/-1/USER_NOT_SPECIFIED': 1 });
  });

  it('answers 304 on any replica to an ETag another replica gave', async () => {
    const first = await bulk(server, 'etag-user');
    expect((await bulk(other, 'etag-user', { 'if-none-match': first.headers.etag as string })).statusCode).toBe(304);
  });

  it('streams a change made on one replica to a stream opened on another, with a token the first one issued', async () => {
    const answer = (await bulk(server, 'user-1')).json();
    const controller = new AbortController();
    const response = await fetch(`${other.baseUrl}${answer.eventStreams[0].endpoint.requestUri}`, { signal: controller.signal });
    expect(response.status).toBe(200);
    const reader = new SseReader(response, () => controller.abort());
    try {
      await reader.event(1);
      await toggle(t, 'new-checkout', 'production', true);
      const version = await environmentVersion(t, 'production');
      expect(await reader.event(2)).toMatchObject({ id: String(version), data: expect.stringContaining('refetchEvaluation') });
    } finally {
      reader.close();
    }
  });
});
