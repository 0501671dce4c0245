/** Scheduled changes falling due: applied once at their time, to the configuration as it is then, or failed safely. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.ts';
import { createFlag } from '../flags/helpers.ts';
import { auditOf, config, dbNow, getChange, instantAfter, schedule, settled } from './helpers.ts';

const rule = (id: string, variation = 0) => ({
  id,
  clauses: [{ attribute: 'email', op: 'endsWith', values: ['@example.com'] }],
  variation,
});
const fiftyFifty = {
  variations: [
    { variation: 0, weight: 50_000 },
    { variation: 1, weight: 50_000 },
  ],
};

describe('scheduled changes falling due', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ dueWork: { pollIntervalMs: 50 } });
  });
  afterAll(async () => t?.close());

  /** Every announced version of the environment exists once, and the environment is at the last of them. */
  async function expectEnvironmentVersionsConsistent(envKey: string) {
    const env = await t.db.prisma.environment.findUniqueOrThrow({ where: { key: envKey } });
    const versions = (await t.db.prisma.environmentChange.findMany({ where: { environmentId: env.id }, orderBy: { version: 'asc' } })).map(
      (c) => c.version,
    );
    expect(new Set(versions).size).toBe(versions.length);
    expect(versions.at(-1)).toBe(env.version);
  }

  it('applies a scheduled toggle at its time, once, as the one who scheduled it', async () => {
    await createFlag(t, { key: 'launch' });
    const created = await schedule(t, 'launch', {
      at: instantAfter(await dbNow(t), 1500),
      instructions: [{ kind: 'turnOn' }],
      comment: 'launch day',
    });

    const done = await settled(t, created.id);
    expect(done).toMatchObject({ status: 'applied', version: 2, outcome: 'Applied: turn on (configuration v1 -> v2).' });
    expect(Date.parse(done.appliedAt)).toBeGreaterThanOrEqual(Date.parse(created.at));
    expect(await config(t, 'launch')).toMatchObject({ on: true, version: 2 });

    const actor = `schedule:${created.createdBy}`;
    const toggles = await auditOf(t, { flagKey: 'launch', action: 'flag.toggled' });
    expect(toggles).toHaveLength(1);
    expect(toggles[0]).toMatchObject({ actor, environmentKey: 'production', before: { on: false }, after: { on: true } });
    expect(toggles[0]!.createdAt.getTime()).toBeGreaterThanOrEqual(Date.parse(created.at));
    const events = await auditOf(t, { resourceKey: created.id });
    expect(events.map((e) => [e.action, e.actor])).toEqual([
      ['scheduled-change.created', created.createdBy],
      ['scheduled-change.applied', actor],
    ]);
    expect(events[1]).toMatchObject({ flagKey: 'launch', environmentKey: 'production', before: { status: 'pending' }, after: done });

    // Done is done: it can no longer be edited or cancelled.
    expect((await t.request('PATCH', `/api/scheduled-changes/${created.id}`, { body: { comment: 'x' } })).statusCode).toBe(409);
    expect((await t.request('DELETE', `/api/scheduled-changes/${created.id}`)).statusCode).toBe(409);
  });

  it('never applies a cancelled change', async () => {
    await createFlag(t, { key: 'cancelled' });
    await createFlag(t, { key: 'sentinel' });
    const now = await dbNow(t);
    const cancelled = await schedule(t, 'cancelled', { at: instantAfter(now, 1000), instructions: [{ kind: 'turnOn' }] });
    expect((await t.request('DELETE', `/api/scheduled-changes/${cancelled.id}`)).statusCode).toBe(200);
    // Due later: the loop takes due changes soonest first, so once this one is applied the other was passed over.
    const sentinel = await schedule(t, 'sentinel', { at: instantAfter(now, 1300), instructions: [{ kind: 'turnOn' }] });

    expect((await settled(t, sentinel.id)).status).toBe('applied');
    expect(await getChange(t, cancelled.id)).toMatchObject({ status: 'cancelled', outcome: null, appliedAt: null });
    expect(await config(t, 'cancelled')).toMatchObject({ on: false, version: 1 });
    expect((await auditOf(t, { flagKey: 'cancelled' })).map((e) => e.action)).toEqual([
      'flag.created',
      'scheduled-change.created',
      'scheduled-change.cancelled',
    ]);
  });

  it('applies its instructions to the current configuration when the flag changed meanwhile, and says so', async () => {
    await createFlag(t, { key: 'edited' });
    const created = await schedule(t, 'edited', {
      at: instantAfter(await dbNow(t), 1500),
      instructions: [
        { kind: 'turnOn' },
        { kind: 'setFallthrough', rollout: fiftyFifty },
        { kind: 'addTargets', variation: 0, values: ['alice'] },
      ],
    });
    expect(created.baseVersion).toBe(1);
    // Someone edits the flag before the change falls due: a rule and a target of their own.
    const edit = await t.request('PATCH', '/api/flags/edited/environments/production', {
      body: { rules: [rule('beta')], targets: [{ variation: 1, values: ['bob'] }] },
    });
    expect(edit.statusCode, edit.body).toBe(200);
    expect((await t.request('PATCH', '/api/flags/edited/environments/production', { body: { offVariation: 0 } })).statusCode).toBe(200);

    const done = await settled(t, created.id);
    expect(done.status).toBe('applied');
    expect(done.outcome).toBe(
      'The flag changed since it was scheduled (v1 -> v3); applied the instructions to the current configuration. ' +
        'Applied: turn on; set the fallthrough to a rollout (variation 0: 50 %, variation 1: 50 %); ' +
        'target context key "alice" with variation 0 (configuration v3 -> v4).',
    );
    expect(await config(t, 'edited')).toMatchObject({
      on: true,
      version: 4,
      offVariation: 0,
      fallthrough: { rollout: fiftyFifty },
      targets: [
        { variation: 1, values: ['bob'] },
        { variation: 0, values: ['alice'] },
      ],
      rules: [rule('beta')],
    });
    const [applied] = await auditOf(t, { resourceKey: created.id, action: 'scheduled-change.applied' });
    expect(applied!.after).toMatchObject({ outcome: done.outcome });
  });

  it('fails safely when an instruction no longer makes sense: nothing changes, and the audit log says why', async () => {
    await createFlag(t, { key: 'gone' });
    const put = await t.request('PATCH', '/api/flags/gone/environments/production', {
      body: { rules: [rule('beta')], targets: [{ variation: 0, values: ['alice'] }] },
    });
    expect(put.statusCode).toBe(200);
    const created = await schedule(t, 'gone', {
      at: instantAfter(await dbNow(t), 1500),
      instructions: [
        { kind: 'turnOn' },
        { kind: 'removeTargets', variation: 0, values: ['alice'] },
        { kind: 'removeRule', ruleId: 'beta' },
      ],
    });
    // Meanwhile someone removes the rule by hand.
    expect((await t.request('PATCH', '/api/flags/gone/environments/production', { body: { rules: [] } })).statusCode).toBe(200);
    const before = await config(t, 'gone');
    const envBefore = await t.db.prisma.environment.findUniqueOrThrow({ where: { key: 'production' } });

    const done = await settled(t, created.id);
    expect(done.status).toBe('failed');
    expect(done.outcome).toBe(
      'Failed; nothing was changed: the flag changed since it was scheduled (v2 -> v3), and ' +
        'instructions[2] (remove rule "beta"): there is no rule with id "beta"',
    );
    expect(await config(t, 'gone')).toEqual(before);
    const envAfter = await t.db.prisma.environment.findUniqueOrThrow({ where: { key: 'production' } });
    expect(envAfter.version).toBe(envBefore.version);
    const events = await auditOf(t, { flagKey: 'gone' });
    expect(events.filter((e) => e.actor.startsWith('schedule:')).map((e) => e.action)).toEqual(['scheduled-change.failed']);
    expect(events.at(-1)).toMatchObject({ resourceKey: created.id, before: { status: 'pending' }, after: done });
  });

  it('fails safely when the flag was archived meanwhile', async () => {
    await createFlag(t, { key: 'archived' });
    const created = await schedule(t, 'archived', { at: instantAfter(await dbNow(t), 1500), instructions: [{ kind: 'turnOn' }] });
    expect((await t.request('POST', '/api/flags/archived/archive')).statusCode).toBe(200);
    const done = await settled(t, created.id);
    expect(done).toMatchObject({ status: 'failed' });
    expect(done.outcome).toContain('"archived" is archived');
    expect(await config(t, 'archived')).toMatchObject({ on: false, version: 1 });
  });

  it('rolls the configuration writes back when a later instruction fails, and announces none of them', async () => {
    await createFlag(t, { key: 'planned' });
    // A paused plan allows the targeting edit, and refuses a second plan only after that plan's own first write.
    const plan = await t.request('POST', '/api/flags/planned/environments/production/release-plans', {
      body: { stages: [{ percentage: 5, holdMinutes: 60 }] },
    });
    expect(plan.statusCode, plan.body).toBe(201);
    expect((await t.request('POST', `/api/release-plans/${plan.json().id}/pause`, { body: {} })).statusCode).toBe(200);
    const before = await config(t, 'planned');
    const created = await schedule(t, 'planned', {
      at: instantAfter(await dbNow(t), 1500),
      instructions: [
        { kind: 'addTargets', variation: 0, values: ['alice'] },
        { kind: 'startReleasePlan', plan: { stages: [{ percentage: 50, holdMinutes: 1 }] } },
      ],
    });
    const announced: number[] = [];
    const unsubscribe = t.app.changeBus.subscribe((notice) => {
      if (notice.resourceType === 'flag' && notice.resourceKey === 'planned') announced.push(notice.version);
    });

    const done = await settled(t, created.id);
    unsubscribe();
    expect(done.status).toBe('failed');
    expect(done.outcome).toMatch(/^Failed; nothing was changed: .*release plan/);
    expect(await config(t, 'planned')).toMatchObject({ targets: before.targets, version: before.version });
    expect((await auditOf(t, { flagKey: 'planned', resourceType: 'scheduled-change' })).map((e) => e.action)).toEqual([
      'scheduled-change.created',
      'scheduled-change.failed',
    ]);
    // Both writes bumped the environment before the plan refused; rolled back, neither version may be announced
    // (the next real change commits that number: SDKs would skip it).
    expect(announced).toEqual([]);
    await expectEnvironmentVersionsConsistent('production');
    const env = await t.db.prisma.environment.findUniqueOrThrow({ where: { key: 'production' } });
    const serverKey = await t.createToken('server', 'production');
    const snapshot = await t.request('GET', '/sdk/snapshot', { token: serverKey });
    expect(snapshot.json()).toMatchObject({ version: env.version, flags: { planned: { targets: before.targets } } });
  });
});
