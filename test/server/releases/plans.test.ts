import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.ts';
import { until } from '../../helpers/wait.ts';
import { createFlag } from '../flags/helpers.ts';

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({ dueWork: { pollIntervalMs: 50 }, releases: { guardIntervalMs: 200 } });
  const segment = await t.request('POST', '/api/environments/production/segments', {
    body: { key: 'internal-users', name: 'Internal users', included: ['alice'] },
  });
  expect(segment.statusCode, segment.body).toBe(201);
});

afterAll(async () => {
  await t?.close();
});

const SECOND = 1 / 60; // holdMinutes
const configOf = async (flagKey: string) => (await t.request('GET', `/api/flags/${flagKey}/environments/production`)).json();
const startPlan = (flagKey: string, body: Record<string, unknown>) =>
  t.request('POST', `/api/flags/${flagKey}/environments/production/release-plans`, { body });
const planOf = async (id: string) => (await t.request('GET', `/api/release-plans/${id}`)).json();
const planEvents = async (id: string) =>
  (await t.db.prisma.auditEvent.findMany({ where: { resourceType: 'release-plan', resourceKey: id }, orderBy: { id: 'asc' } })).map(
    (e) => ({
      action: e.action,
      stageIndex: (e.after as { stageIndex: number }).stageIndex,
    }),
  );

describe('starting a release plan', () => {
  it('applies the first stage at once: the segment rule first, the rollout in the fallthrough, the flag on', async () => {
    await createFlag(t, { key: 'first-stage' });
    const res = await startPlan('first-stage', {
      stages: [
        { name: 'internal users', percentage: 0, segments: ['internal-users'], holdMinutes: 60 },
        { percentage: 10, holdMinutes: 60 },
      ],
    });
    expect(res.statusCode, res.body).toBe(201);
    const plan = res.json();
    expect(plan).toMatchObject({ status: 'running', stageIndex: 0, variation: 0, controlVariation: 1, createdBy: expect.any(String) });
    const config = await configOf('first-stage');
    expect(config.on).toBe(true);
    expect(config.rules[0]).toMatchObject({ clauses: [{ op: 'segmentMatch', values: ['internal-users'] }], variation: 0 });
    expect(config.fallthrough).toEqual({
      rollout: {
        variations: [
          { variation: 0, weight: 0 },
          { variation: 1, weight: 100000 },
        ],
      },
    });
  });

  it('refuses a second plan on the same flag and environment, naming the first', async () => {
    await createFlag(t, { key: 'two-plans' });
    const first = (await startPlan('two-plans', { stages: [{ percentage: 5, holdMinutes: 60 }] })).json();
    const second = await startPlan('two-plans', { stages: [{ percentage: 5, holdMinutes: 60 }] });
    expect(second.statusCode).toBe(409);
    expect(second.json().message).toContain(first.id);
  });

  it('refuses stages that go down, a segment that does not exist, and an unknown template, naming the field', async () => {
    await createFlag(t, { key: 'bad-plans' });
    const down = await startPlan('bad-plans', {
      stages: [
        { percentage: 50, holdMinutes: 1 },
        { percentage: 10, holdMinutes: 1 },
      ],
    });
    expect(down.statusCode).toBe(400);
    expect(down.json().details.map((d: { path: string }) => d.path)).toContain('body.stages[1].percentage');
    const segment = await startPlan('bad-plans', { stages: [{ percentage: 1, segments: ['nobody'], holdMinutes: 1 }] });
    expect(segment.statusCode).toBe(422);
    expect(segment.json().details[0].path).toBe('body.stages[0].segments[0]');
    const template = await startPlan('bad-plans', { template: 'no-such-template' });
    expect(template.statusCode).toBe(404);
    const same = await startPlan('bad-plans', { stages: [{ percentage: 1, holdMinutes: 1 }], controlVariation: 0 });
    expect(same.statusCode).toBe(400);
    expect(same.json().details[0].path).toBe('body.controlVariation');
    expect((await configOf('bad-plans')).on).toBe(false);
  });
});

describe('a running plan', () => {
  it('walks its stages in order, each applied once, and completes', async () => {
    await createFlag(t, { key: 'walks' });
    const plan = (
      await startPlan('walks', {
        stages: [
          { percentage: 1, holdMinutes: SECOND },
          { percentage: 10, holdMinutes: SECOND },
          { percentage: 50, holdMinutes: 0 },
          { percentage: 100, holdMinutes: 0 },
        ],
      })
    ).json();
    await until('the plan completes', async () => (await planOf(plan.id)).status === 'completed', 15_000);
    expect(await planEvents(plan.id)).toEqual([
      { action: 'release.started', stageIndex: 0 },
      { action: 'release.stage-applied', stageIndex: 1 },
      { action: 'release.stage-applied', stageIndex: 2 },
      { action: 'release.stage-applied', stageIndex: 3 },
      { action: 'release.completed', stageIndex: 3 },
    ]);
    expect((await configOf('walks')).fallthrough.rollout.variations[0]).toEqual({ variation: 0, weight: 100000 });
  });

  it('refuses hand edits of the targeting with a 409 naming the plan, but never the kill switch; the plan then pauses itself', async () => {
    await createFlag(t, { key: 'hands-off' });
    const plan = (
      await startPlan('hands-off', {
        stages: [
          { percentage: 5, holdMinutes: SECOND },
          { percentage: 50, holdMinutes: 60 },
        ],
      })
    ).json();
    const edit = await t.request('PATCH', '/api/flags/hands-off/environments/production', { body: { fallthrough: { variation: 0 } } });
    expect(edit.statusCode).toBe(409);
    expect(edit.json().message).toContain(plan.id);
    const off = await t.request('POST', '/api/flags/hands-off/environments/production/toggle', { body: { on: false } });
    expect(off.statusCode).toBe(200);
    const paused = await until('the plan pauses', async () => {
      const p = await planOf(plan.id);
      return p.status === 'paused' ? p : null;
    });
    expect(paused.waitingFor).toContain('turned off');
    expect(paused.stageIndex).toBe(0);
    const resume = await t.request('POST', `/api/release-plans/${plan.id}/resume`, { body: {} });
    expect(resume.statusCode).toBe(409);
    // Paused, the targeting can be edited by hand.
    const editWhilePaused = await t.request('PATCH', '/api/flags/hands-off/environments/production', { body: { offVariation: 0 } });
    expect(editWhilePaused.statusCode).toBe(200);
  });

  it('pauses, saying why, when its next stage can no longer be applied, and writes nothing of that stage', async () => {
    await createFlag(t, { key: 'segment-gone' });
    const segment = await t.request('POST', '/api/environments/production/segments', { body: { key: 'beta-testers', name: 'Beta' } });
    expect(segment.statusCode, segment.body).toBe(201);
    const plan = (
      await startPlan('segment-gone', {
        stages: [
          { percentage: 5, holdMinutes: SECOND },
          { percentage: 50, segments: ['beta-testers'], holdMinutes: 60 },
        ],
      })
    ).json();
    const started = await configOf('segment-gone');
    // No configuration uses the segment yet, so it may go; the plan's next stage names it.
    expect((await t.request('DELETE', '/api/environments/production/segments/beta-testers')).statusCode).toBe(204);
    const paused = await until('the plan pauses', async () => {
      const p = await planOf(plan.id);
      return p.status === 'paused' ? p : null;
    });
    expect(paused.waitingFor).toMatch(/^paused: the next step could not be applied: .*beta-testers/);
    expect(paused.stageIndex).toBe(0);
    expect(await configOf('segment-gone')).toEqual(started);
    expect(await planEvents(plan.id)).toEqual([
      { action: 'release.started', stageIndex: 0 },
      { action: 'release.paused', stageIndex: 0 },
    ]);
  });

  it('waits for an approval when the stage asks for one, and says so', async () => {
    await createFlag(t, { key: 'approval' });
    const plan = (
      await startPlan('approval', {
        stages: [
          { percentage: 1, holdMinutes: 0, requireApproval: true },
          { percentage: 100, holdMinutes: 60 },
        ],
      })
    ).json();
    const waiting = await until('the plan waits for approval', async () => {
      const p = await planOf(plan.id);
      return p.waitingFor?.includes('approve') ? p : null;
    });
    expect(waiting.stageIndex).toBe(0);
    expect(waiting.nextCheckAt).toBeNull();
    const approved = await t.request('POST', `/api/release-plans/${plan.id}/approve`, {
      body: {},
      headers: { 'if-match': `"${waiting.version}"` },
    });
    expect(approved.statusCode, approved.body).toBe(200);
    await until('the plan moves on', async () => (await planOf(plan.id)).stageIndex === 1);
  });

  it('rolls back to the configuration from before the plan in one audited write', async () => {
    await createFlag(t, { key: 'rolls-back' });
    const before = await configOf('rolls-back');
    const plan = (await startPlan('rolls-back', { stages: [{ percentage: 20, holdMinutes: 60 }] })).json();
    const stale = await t.request('POST', `/api/release-plans/${plan.id}/rollback`, { body: {}, headers: { 'if-match': '"999"' } });
    expect(stale.statusCode).toBe(412);
    const writesBefore = await t.db.prisma.auditEvent.count({ where: { flagKey: 'rolls-back', resourceType: 'flag' } });
    const res = await t.request('POST', `/api/release-plans/${plan.id}/rollback`, { body: { reason: 'errors up' } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ status: 'rolled-back', waitingFor: expect.stringContaining('errors up') });
    const after = await configOf('rolls-back');
    const { version: _v1, updatedAt: _u1, ...restored } = after;
    const { version: _v2, updatedAt: _u2, ...original } = before;
    expect(restored).toEqual(original);
    expect(await t.db.prisma.auditEvent.count({ where: { flagKey: 'rolls-back', resourceType: 'flag' } })).toBe(writesBefore + 1);
    const again = await t.request('POST', `/api/release-plans/${plan.id}/rollback`, { body: {} });
    expect(again.statusCode).toBe(409);
  });

  it('with a guard and no data never advances: it waits and says why', async () => {
    await createFlag(t, { key: 'no-data' });
    const plan = (
      await startPlan('no-data', {
        stages: [
          { percentage: 10, holdMinutes: 0 },
          { percentage: 100, holdMinutes: 60 },
        ],
        guard: { metrics: [{ key: 'checkout-error', kind: 'binary' }] },
      })
    ).json();
    expect((await configOf('no-data')).guardedMetrics).toEqual(['checkout-error']);
    const waiting = await until('the plan waits for data', async () => {
      const p = await planOf(plan.id);
      return p.waitingFor?.includes('guard') ? p : null;
    });
    expect(waiting.stageIndex).toBe(0);
    expect(waiting.lastVerdict.outcome).toBe('waiting');
    expect(await planEvents(plan.id)).toContainEqual({ action: 'release.waiting', stageIndex: 0 });
  });

  it('rolls back on its own when the guard sees the new variation regress', async () => {
    await createFlag(t, { key: 'regresses' });
    const plan = (
      await startPlan('regresses', {
        stages: [{ percentage: 50, holdMinutes: 60 }],
        guard: { metrics: [{ key: 'checkout-error', kind: 'binary', minimumContexts: 100 }] },
      })
    ).json();
    // What SDKs would have reported, as the metrics fold stores it: 400 contexts per variation, 2 % vs 40 % with an error.
    const env = await t.db.prisma.environment.findUniqueOrThrow({ where: { key: 'production' } });
    const firstAt = new Date();
    const rows = (variation: number, withEvent: number) =>
      Array.from({ length: 400 }, (_, i) => ({ variation, hash: `${variation}${String(i).padStart(15, '0')}`, event: i < withEvent }));
    const contexts = [...rows(1, 8), ...rows(0, 160)];
    await t.db.prisma.guardedExposure.createMany({
      data: contexts.map((c) => ({ environmentId: env.id, flagKey: 'regresses', variation: c.variation, contextHash: c.hash, firstAt })),
    });
    await t.db.prisma.guardedMetricContext.createMany({
      data: contexts
        .filter((c) => c.event)
        .map((c) => ({
          environmentId: env.id,
          flagKey: 'regresses',
          metricKey: 'checkout-error',
          variation: c.variation,
          contextHash: c.hash,
          firstAt,
        })),
    });
    const ended = await until('the guard rolls the plan back', async () => {
      const p = await planOf(plan.id);
      return p.status === 'rolled-back' ? p : null;
    });
    expect(ended.waitingFor).toContain('checkout-error');
    expect(ended.lastVerdict.outcome).toBe('regression');
    expect((await configOf('regresses')).on).toBe(false);
  });
});
