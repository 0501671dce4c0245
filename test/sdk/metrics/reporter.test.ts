/**
 * How reports reach the server (a real HTTP server here, validating every body with the shared schema):
 * a report not taken is sent again unchanged under the same reportId; one refused as invalid, or given up
 * on (queue full, too old), is counted in the next report's `dropped`; a refused key stops sending; close()
 * sends a last report and never hangs. Through all of it, for the client, counts in stored reports plus
 * their dropped counts equal exactly what was evaluated and tracked. The interval is fake setInterval.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createClient, type FlagsClient } from '../../../sdk/src/client/index.ts';
import type { ClientOptions } from '../../../sdk/src/client/types.ts';
import type { FlagDefinition } from '../../../sdk/src/model/index.ts';
import { silentLogger } from '../../helpers/silent-logger.ts';
import { booleanFlag, snapshotOf } from '../client/protocol-server.ts';
import { type Answer, MetricsServer, totals } from './metrics-server.ts';

const INTERVAL_MS = 1000;
const guarded: FlagDefinition = { ...booleanFlag('guarded', true), guardedMetrics: ['purchase'] };
const rules = snapshotOf(3, [booleanFlag('checkout', true), guarded]);

let server: MetricsServer;
const clients: FlagsClient[] = [];

beforeEach(async () => {
  vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
  server = await MetricsServer.start(rules);
});

afterEach(async () => {
  server.answer = 'store';
  await Promise.all(clients.splice(0).map((c) => c.close()));
  vi.useRealTimers();
  expect(server.invalid).toEqual([]);
  await server.close();
});

/** A polling client reporting every INTERVAL_MS, with what it made (evaluations, events) and the errors it emitted. */
async function setUp(options: Partial<ClientOptions> = {}) {
  const flags = createClient({
    url: server.url,
    sdkKey: 'sdk-key',
    streaming: false,
    pollIntervalMs: 60_000,
    metricsIntervalMs: INTERVAL_MS,
    logger: silentLogger,
    ...options,
  });
  clients.push(flags);
  const errors: Error[] = [];
  flags.on('error', (err) => errors.push(err));
  expect(await flags.ready()).toBe(true);
  const made = { evaluations: 0, events: 0 };
  /** n evaluations over a few contexts (some of a guarded flag), and one event. */
  const work = (n: number) => {
    for (let i = 0; i < n; i++) flags.isEnabled(i % 2 ? 'checkout' : 'guarded', { key: `user-${i % 7}` });
    flags.track('purchase', { key: `user-${n % 7}` }, n);
    made.evaluations += n;
    made.events += 1;
  };
  return { flags, errors, made, work };
}

/** Stored reports' counts plus their drops equal what was made: the server's exactness relies on it. */
function expectExact(made: { evaluations: number; events: number }) {
  const sum = totals(server.reports);
  expect(sum.evaluations + sum.droppedEvaluations).toBe(made.evaluations);
  expect(sum.events + sum.droppedEvents).toBe(made.events);
}

const interval = () => vi.advanceTimersByTime(INTERVAL_MS);

describe('sending reports', () => {
  it('sends a report the server did not take again, unchanged and under the same reportId (5xx, no answer in time)', async () => {
    const { errors, made, work } = await setUp();
    server.answer = 500;
    work(3);
    interval();
    await server.waitFor(() => errors.length === 1);
    expect(errors[0]!.message).toMatch(/HTTP 500.*kept and sent again/);

    server.answer = 'hang';
    work(2);
    interval();
    await server.waitFor(() => errors.length === 2);
    expect(errors[1]!.message).toMatch(/no answer in time/);

    server.answer = 'store';
    work(1);
    interval();
    await server.waitFor(() => server.stored.size === 3);

    const ids = server.posts.map((p) => p.report.reportId);
    expect(ids).toHaveLength(5);
    expect(ids.slice(0, 3)).toEqual([ids[0], ids[0], ids[0]]);
    expect(server.posts[2]!.body).toBe(server.posts[0]!.body);
    expect(new Set(ids).size).toBe(3);
    expect(server.reports.map((r) => totals([r]).evaluations)).toEqual([3, 2, 1]);
    expectExact(made);
  });

  it('gives up a report refused as invalid (400) and reports its counts as dropped in the next one', async () => {
    const { errors, made, work } = await setUp();
    server.answer = 400;
    work(3);
    interval();
    await server.waitFor(() => errors.length === 1);
    expect(errors[0]!.message).toMatch(/refused a report \(HTTP 400: answered 400\); its counts are reported as dropped/);

    server.answer = 'store';
    work(2);
    interval();
    await server.waitFor(() => server.stored.size === 1);
    const [report] = server.reports;
    expect(totals([report!])).toEqual({ evaluations: 2, droppedEvaluations: 3, events: 1, droppedEvents: 1, droppedReports: 1 });
    expect(report!.dropped.contexts).toBeGreaterThan(0);
    expectExact(made);
  });

  it.each([401, 403])('stops sending for good when the server refuses the key (%i)', async (status) => {
    const { flags, errors, work } = await setUp();
    server.answer = status;
    work(1);
    interval();
    await server.waitFor(() => errors.length === 1);
    expect(errors[0]!.message).toMatch(/refused the SDK key.*no longer sent/);
    expect(vi.getTimerCount()).toBe(0);

    server.answer = 'store';
    work(1);
    interval();
    interval();
    expect(flags.isEnabled('checkout', { key: 'a' })).toBe(true);
    await flags.close();
    expect(server.posts).toHaveLength(1);
  });

  it('keeps at most 10 unsent reports: the oldest are given up and counted, and the count stays exact', async () => {
    const { errors, made, work } = await setUp();
    server.answer = 500;
    for (let t = 1; t <= 14; t++) {
      work(t);
      interval();
      await server.waitFor(() => errors.length === t);
    }
    server.answer = 'store';
    work(15);
    interval();
    await server.waitFor(() => server.stored.size === 10);

    const bodies = new Map<string, string>();
    for (const post of server.posts) {
      const first = bodies.get(post.report.reportId) ?? post.body;
      bodies.set(post.report.reportId, first);
      expect(post.body).toBe(first);
    }
    expect(totals(server.reports).droppedReports).toBe(5);
    expectExact(made);
  });

  it('gives up a report kept unsent for more than an hour', async () => {
    vi.useRealTimers();
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] });
    const { errors, made, work } = await setUp();
    server.answer = 503;
    work(3);
    interval();
    await server.waitFor(() => errors.length === 1);

    vi.setSystemTime(Date.now() + 61 * 60 * 1000);
    server.answer = 'store';
    work(2);
    interval();
    await server.waitFor(() => server.stored.size === 1);
    expect(totals(server.reports)).toMatchObject({ evaluations: 2, droppedEvaluations: 3, droppedReports: 1 });
    expectExact(made);
  });

  it('keeps the count exact through any mix of stored, failed, refused and unanswered sends', async () => {
    const { flags, errors, made, work } = await setUp();
    const answers: Answer[] = ['store', 500, 'store', 400, 503, 500, 'store', 'hang', 400, 500, 'store', 502, 502, 'store'];
    let queued = 0;
    let stored = 0;
    let failed = 0;
    for (const [i, answer] of answers.entries()) {
      server.answer = answer;
      work(1 + ((i * 7) % 5));
      interval();
      queued = Math.min(queued + 1, 10);
      if (answer === 'store') {
        stored += queued;
        queued = 0;
        await server.waitFor(() => server.stored.size === stored);
      } else if (answer === 400) {
        failed += queued;
        queued = 0;
        await server.waitFor(() => errors.length === failed);
      } else {
        failed += 1;
        await server.waitFor(() => errors.length === failed);
      }
    }
    server.answer = 'store';
    work(4);
    await flags.close();
    expect(server.reports).toHaveLength(stored + 1);
    expectExact(made);
  });
});

describe('close()', () => {
  it('waits for the last report to be stored', async () => {
    const { flags, made, work } = await setUp();
    work(5);
    await flags.close();
    expect(server.reports).toHaveLength(1);
    expectExact(made);
  });

  it('returns even when the server never answers the last report', async () => {
    const { flags, work } = await setUp();
    server.answer = 'hang';
    work(5);
    await flags.close();
    await server.waitForPosts(1);
    expect(server.stored.size).toBe(0);
    expect(flags.isEnabled('checkout', { key: 'a' })).toBe(true);
  });

  it('returns when the server is gone', async () => {
    const { flags, work } = await setUp();
    await server.close();
    work(5);
    await flags.close();
    server = await MetricsServer.start(rules);
  });
});
