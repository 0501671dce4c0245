/**
 * The rollback-release action. Release plans are built elsewhere and reach the trigger service as an
 * injected function (`rollbackRelease`); until app.ts wires the real one, these tests pass a function
 * that records its calls and answers as the plans' service would (a plan rolled back, or none). Only
 * that function stands in: the triggers, the write unit and the audit log are the real ones, on the
 * real database. Turn-off and turn-on are tested end to end in routes.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConflictError } from '../../../server/src/errors/index.ts';
import { FlagConfigService, type FlagConfigTarget } from '../../../server/src/flags/config-service.ts';
import { type RollbackRelease, TriggerService } from '../../../server/src/triggers/service.ts';
import { createTestApp, type TestApp } from '../../helpers/app.ts';
import { createFlag } from '../flags/helpers.ts';

type RollbackCall = { actor: string; target: FlagConfigTarget; reason: string };

let t: TestApp;
let answer: Awaited<ReturnType<RollbackRelease>> | Error;
const rollbacks: RollbackCall[] = [];
let triggers: TriggerService;

beforeAll(async () => {
  t = await createTestApp();
  triggers = new TriggerService({
    prisma: t.app.prisma,
    changes: t.app.changes,
    flagConfigs: new FlagConfigService({ prisma: t.app.prisma, changes: t.app.changes }),
    rollbackRelease: async (actor, target, reason) => {
      rollbacks.push({ actor, target, reason });
      if (answer instanceof Error) throw answer;
      return answer;
    },
  });
  await createFlag(t, { key: 'released' });
});
afterAll(async () => {
  await t?.close();
});

const target = { flagKey: 'released', environmentKey: 'production' };

async function fire(name: string, body: unknown) {
  const created = await triggers.create('admin', target, { name, action: 'rollback-release' });
  const found = await triggers.authenticate(created.secret);
  expect(found).not.toBeNull();
  const result = await triggers.call(found!, body);
  const events = await t.db.prisma.auditEvent.findMany({ where: { resourceKey: created.id }, orderBy: { id: 'asc' } });
  return { created, result, events };
}

describe('a rollback-release trigger', () => {
  it('rolls back the running plan under the trigger’s name, and audits the plan it rolled back', async () => {
    answer = { id: 'plan-1' };
    rollbacks.length = 0;
    const { created, result, events } = await fire('guard alert', {
      version: '4',
      status: 'firing',
      alerts: [{ status: 'firing', labels: { alertname: 'SearchErrors' } }],
    });
    expect(result).toEqual({ action: 'rolled-back', releasePlanId: 'plan-1', ...target });
    expect(rollbacks).toEqual([
      { actor: 'trigger:guard alert', target, reason: 'Trigger "guard alert" called (alertmanager: SearchErrors)' },
    ]);
    expect(events.map((e) => [e.action, e.actor])).toEqual([
      ['trigger.created', 'admin'],
      ['trigger.fired', 'trigger:guard alert'],
    ]);
    expect(events[1]?.after).toMatchObject({ outcome: 'rolled-back', releasePlanId: 'plan-1', alerts: [{ name: 'SearchErrors' }] });
    expect((await t.db.prisma.flagTrigger.findUniqueOrThrow({ where: { id: created.id } })).calls).toBe(1);
  });

  it('answers no-release-plan when none runs, still counted and audited', async () => {
    answer = null;
    rollbacks.length = 0;
    const { result, events } = await fire('plain', undefined);
    expect(result).toEqual({ action: 'no-release-plan', ...target });
    expect(rollbacks).toEqual([{ actor: 'trigger:plain', target, reason: 'Trigger "plain" called (plain)' }]);
    expect(events.at(-1)).toMatchObject({ action: 'trigger.fired', after: { outcome: 'no-release-plan' } });
  });

  it('does not roll back on a resolved notification', async () => {
    answer = { id: 'plan-2' };
    rollbacks.length = 0;
    const { result, events } = await fire('resolved', { status: 'resolved', state: 'ok', orgId: 1 });
    expect(result).toMatchObject({ action: 'ignored', reason: 'status "resolved" is not "firing"' });
    expect(rollbacks).toEqual([]);
    expect(events.at(-1)).toMatchObject({ action: 'trigger.ignored' });
  });

  it('audits a refused rollback as trigger.failed and passes the refusal on', async () => {
    answer = new ConflictError('The release plan is already ending');
    const created = await triggers.create('admin', target, { name: 'refused', action: 'rollback-release' });
    const refused = await triggers.call((await triggers.authenticate(created.secret))!, undefined).catch((e: unknown) => e);
    expect(refused).toBe(answer);
    const last = await t.db.prisma.auditEvent.findFirst({ where: { resourceKey: created.id }, orderBy: { id: 'desc' } });
    expect(last).toMatchObject({ action: 'trigger.failed', after: { outcome: 'failed', error: 'The release plan is already ending' } });
  });

  it('does nothing for a trigger revoked between its lookup and its call', async () => {
    answer = { id: 'plan-3' };
    const created = await triggers.create('admin', target, { name: 'raced', action: 'turn-off' });
    const found = await triggers.authenticate(created.secret);
    await triggers.revoke('admin', target, created.id);
    expect(await triggers.authenticate(created.secret)).toBeNull();
    const before = await t.db.prisma.auditEvent.count();
    expect(await triggers.call(found!, undefined)).toBeNull();
    expect(await t.db.prisma.auditEvent.count()).toBe(before);
    expect((await t.db.prisma.flagTrigger.findUniqueOrThrow({ where: { id: created.id } })).calls).toBe(0);
  });
});
