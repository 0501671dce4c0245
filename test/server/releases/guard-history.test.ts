/**
 * GET /api/release-plans/:id/guard-history: the guard's statistics and verdict over a plan's life,
 * from what SDKs reported through POST /sdk/metrics, point by point as the guard judges them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.ts';
import { until } from '../../helpers/wait.ts';
import { createFlag } from '../flags/helpers.ts';
import { reportGuardedTraffic } from './guarded-traffic.ts';

let t: TestApp;
let serverKey: string;

beforeAll(async () => {
  t = await createTestApp();
  serverKey = await t.createToken('server', 'production');
});
afterAll(() => t?.close());

const history = async (id: string, token?: string) => t.request('GET', `/api/release-plans/${id}/guard-history`, token ? { token } : {});
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a release plan’s guard history', () => {
  it('shows each metric’s estimates, interval and threshold at each step, the last as the guard sees the data', async () => {
    await createFlag(t, { key: 'guarded-history' });
    const started = await t.request('POST', '/api/flags/guarded-history/environments/production/release-plans', {
      body: {
        stages: [{ percentage: 50, holdMinutes: 60 }],
        guard: { metrics: [{ key: 'checkout-error', kind: 'binary', minimumContexts: 100 }], onRegression: 'pause' },
      },
    });
    expect(started.statusCode, started.body).toBe(201);
    const plan = started.json();
    expect([plan.variation, plan.controlVariation]).toEqual([0, 1]);

    // A first report with too few contexts, then (a step later) enough to show the new variation's 40 % errors against 2 %.
    await reportGuardedTraffic(t, {
      serverKey,
      flagKey: 'guarded-history',
      metricKey: 'checkout-error',
      batch: 1,
      arms: [
        { variation: 0, contexts: 30, withEvent: 12 },
        { variation: 1, contexts: 30, withEvent: 1 },
      ],
    });
    await until(
      'the first report is folded',
      async () => (await history(plan.id)).json().metrics[0].points.at(-1).treatment.contexts === 30,
      30_000,
    );
    await sleep(1100);
    await reportGuardedTraffic(t, {
      serverKey,
      flagKey: 'guarded-history',
      metricKey: 'checkout-error',
      batch: 2,
      arms: [
        { variation: 0, contexts: 370, withEvent: 148 },
        { variation: 1, contexts: 370, withEvent: 7 },
      ],
    });
    const body = await until(
      'the second report is folded',
      async () => {
        const current = (await history(plan.id)).json();
        return current.metrics[0].points.at(-1).treatment.contexts === 400 ? current : null;
      },
      30_000,
    );

    expect(body).toMatchObject({ planId: plan.id, flagKey: 'guarded-history', environmentKey: 'production', from: plan.startedAt });
    expect(body.stepSeconds).toBe(1);
    const [metric] = body.metrics;
    expect(metric).toMatchObject({ key: 'checkout-error', kind: 'binary', direction: 'lower-is-better' });
    const times = metric.points.map((p: { at: string }) => Date.parse(p.at));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(times.at(-1)).toBe(Date.parse(body.to));

    const early = metric.points.find((p: { treatment: { contexts: number } }) => p.treatment.contexts === 30);
    expect(early).toMatchObject({
      outcome: 'insufficient-data',
      control: { contexts: 30, estimate: 1 / 30 },
      treatment: { contexts: 30, estimate: 0.4 },
      interval: null,
      threshold: 0,
    });
    const last = metric.points.at(-1);
    expect(last).toMatchObject({
      outcome: 'regression',
      control: { contexts: 400, estimate: 0.02 },
      treatment: { contexts: 400, estimate: 0.4 },
      threshold: 0,
    });
    expect(last.difference).toBeCloseTo(0.38, 10);
    expect(last.interval[0]).toBeGreaterThan(0);
    expect(last.interval[0]).toBeLessThan(last.difference);
    expect(last.interval[1]).toBeGreaterThan(last.difference);

    // The same counts as the insights' guarded statistics since the plan started.
    const stats = (
      await t.request(
        'GET',
        `/api/insights/flags/guarded-history/environments/production/guarded?since=${encodeURIComponent(plan.startedAt)}`,
      )
    ).json();
    const arm = (variation: number) => stats.variations.find((v: { variation: number }) => v.variation === variation);
    expect([arm(0).exposedContexts, arm(0).metrics[0].contextsWithEvent]).toEqual([400, 160]);
    expect([arm(1).exposedContexts, arm(1).metrics[0].contextsWithEvent]).toEqual([400, 8]);
  });

  it('is empty for a plan without a guard, readable by a viewer, 404 for no plan and 400 for a bad id', async () => {
    await createFlag(t, { key: 'unguarded-history' });
    const plan = (
      await t.request('POST', '/api/flags/unguarded-history/environments/production/release-plans', {
        body: { stages: [{ percentage: 10, holdMinutes: 60 }] },
      })
    ).json();
    const viewer = (await t.request('POST', '/api/tokens', { body: { name: 'a viewer', kind: 'admin', role: 'viewer' } })).json().secret;
    const res = await history(plan.id, viewer);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ planId: plan.id, metrics: [] });

    const missing = await history('00000000-0000-4000-8000-000000000000');
    expect(missing.statusCode).toBe(404);
    const bad = await history('not-a-plan');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().details[0].path).toBe('params.id');
  });
});
