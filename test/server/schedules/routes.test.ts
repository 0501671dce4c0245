/** The scheduled changes API: scheduling, listing, editing and cancelling (no loop runs here, so nothing falls due). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.ts';
import { createFlag, detailPaths } from '../flags/helpers.ts';
import { auditOf, dbNow, getChange, instantAfter, schedule } from './helpers.ts';

const HOUR = 3_600_000;

describe('scheduled changes API', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ dueWork: { enabled: false } });
    await createFlag(t, { key: 'checkout' });
    await createFlag(t, { key: 'search' });
  });
  afterAll(async () => t?.close());

  const changeCount = () => t.db.prisma.scheduledChange.count();

  it('schedules a change, with the configuration version it was based on, and audits it', async () => {
    await t.request('POST', '/api/flags/checkout/environments/staging/toggle', { body: { on: true } });
    const at = instantAfter(await dbNow(t), HOUR);
    const res = await t.request('POST', '/api/flags/checkout/environments/staging/scheduled-changes', {
      body: { at, instructions: [{ kind: 'turnOff' }], comment: 'end of the campaign' },
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.headers.etag).toBe('"1"');
    const created = res.json();
    expect(created).toEqual({
      id: expect.any(String),
      flagKey: 'checkout',
      environmentKey: 'staging',
      at,
      instructions: [{ kind: 'turnOff' }],
      comment: 'end of the campaign',
      status: 'pending',
      outcome: null,
      baseVersion: 2,
      version: 1,
      createdBy: expect.any(String),
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      appliedAt: null,
    });
    expect(await getChange(t, created.id)).toEqual(created);
    const [event, ...more] = await auditOf(t, { resourceKey: created.id });
    expect(more).toEqual([]);
    expect(event).toMatchObject({
      action: 'scheduled-change.created',
      resourceType: 'scheduled-change',
      flagKey: 'checkout',
      environmentKey: 'staging',
      actor: created.createdBy,
      after: created,
    });
  });

  it('lists a flag’s changes in an environment and all changes, soonest first, filtered and paginated', async () => {
    const now = await dbNow(t);
    const later = await schedule(t, 'search', { at: instantAfter(now, 3 * HOUR), instructions: [{ kind: 'turnOn' }] });
    const sooner = await schedule(t, 'search', { at: instantAfter(now, 2 * HOUR), instructions: [{ kind: 'turnOff' }] });
    const elsewhere = await schedule(t, 'search', { at: instantAfter(now, HOUR), instructions: [{ kind: 'turnOn' }] }, 'development');

    const forFlag = (await t.request('GET', '/api/flags/search/environments/production/scheduled-changes')).json();
    expect(forFlag).toMatchObject({ total: 2, limit: 50, offset: 0 });
    expect(forFlag.items.map((c: { id: string }) => c.id)).toEqual([sooner.id, later.id]);

    const all = (await t.request('GET', '/api/scheduled-changes?flag=search')).json();
    expect(all.items.map((c: { id: string }) => c.id)).toEqual([elsewhere.id, sooner.id, later.id]);
    const page = (await t.request('GET', '/api/scheduled-changes?flag=search&limit=1&offset=1')).json();
    expect(page).toMatchObject({ total: 3, limit: 1, offset: 1, items: [{ id: sooner.id }] });
    const inDevelopment = (await t.request('GET', '/api/scheduled-changes?env=development')).json();
    expect(inDevelopment.items.map((c: { id: string }) => c.id)).toEqual([elsewhere.id]);

    await t.request('DELETE', `/api/scheduled-changes/${later.id}`);
    const cancelled = (await t.request('GET', '/api/scheduled-changes?status=cancelled&flag=search')).json();
    expect(cancelled.items.map((c: { id: string }) => c.id)).toEqual([later.id]);
    const pending = (await t.request('GET', '/api/flags/search/environments/production/scheduled-changes?status=pending')).json();
    expect(pending.items.map((c: { id: string }) => c.id)).toEqual([sooner.id]);

    expect((await t.request('GET', '/api/flags/nope/environments/production/scheduled-changes')).statusCode).toBe(404);
    expect((await t.request('GET', '/api/flags/search/environments/nowhere/scheduled-changes')).statusCode).toBe(404);
    expect((await t.request('GET', '/api/scheduled-changes?flag=nope')).json()).toMatchObject({ total: 0, items: [] });
    const badStatus = await t.request('GET', '/api/scheduled-changes?status=done');
    expect(badStatus.statusCode).toBe(400);
    expect(detailPaths(badStatus.json())).toEqual(['query.status']);
  });

  it('edits a pending change under If-Match, rebasing it on the current configuration, and audits before and after', async () => {
    const now = await dbNow(t);
    const created = await schedule(t, 'checkout', { at: instantAfter(now, HOUR), instructions: [{ kind: 'turnOn' }] });
    await t.request('POST', '/api/flags/checkout/environments/production/toggle', { body: { on: true } });
    const at = instantAfter(now, 2 * HOUR);
    const instructions = [{ kind: 'addTargets', variation: 0, values: ['alice'] }];
    const res = await t.request('PATCH', `/api/scheduled-changes/${created.id}`, {
      body: { at, instructions, comment: 'moved' },
      headers: { 'if-match': '"1"' },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers.etag).toBe('"2"');
    const edited = res.json();
    expect(edited).toMatchObject({
      at,
      instructions,
      comment: 'moved',
      version: 2,
      baseVersion: created.baseVersion + 1,
      status: 'pending',
    });

    const stale = await t.request('PATCH', `/api/scheduled-changes/${created.id}`, {
      body: { comment: 'x' },
      headers: { 'if-match': '"1"' },
    });
    expect(stale.statusCode).toBe(412);
    expect(stale.json()).toMatchObject({ error: 'version_mismatch', currentVersion: 2 });
    expect(await getChange(t, created.id)).toEqual(edited);

    const events = await auditOf(t, { resourceKey: created.id });
    expect(events.map((e) => e.action)).toEqual(['scheduled-change.created', 'scheduled-change.updated']);
    expect(events[1]).toMatchObject({ before: created, after: edited });
  });

  it('cancels a pending change, keeping it; a change no longer pending cannot be edited or cancelled (409)', async () => {
    const created = await schedule(t, 'checkout', { at: instantAfter(await dbNow(t), HOUR), instructions: [{ kind: 'turnOn' }] });
    const stale = await t.request('DELETE', `/api/scheduled-changes/${created.id}`, { headers: { 'if-match': '"7"' } });
    expect(stale.statusCode).toBe(412);
    const res = await t.request('DELETE', `/api/scheduled-changes/${created.id}`, { headers: { 'if-match': '"1"' } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ id: created.id, status: 'cancelled', version: 2 });

    const again = await t.request('DELETE', `/api/scheduled-changes/${created.id}`);
    expect(again.statusCode).toBe(409);
    expect(again.json().message).toContain('is cancelled');
    const edit = await t.request('PATCH', `/api/scheduled-changes/${created.id}`, { body: { comment: 'too late' } });
    expect(edit.statusCode).toBe(409);
    expect((await getChange(t, created.id)).status).toBe('cancelled');
    expect((await auditOf(t, { resourceKey: created.id })).map((e) => e.action)).toEqual([
      'scheduled-change.created',
      'scheduled-change.cancelled',
    ]);
  });

  it('answers 404 for an unknown change and 400 for an id that is not one', async () => {
    const unknown = '00000000-0000-4000-8000-000000000000';
    expect((await t.request('GET', `/api/scheduled-changes/${unknown}`)).statusCode).toBe(404);
    expect((await t.request('PATCH', `/api/scheduled-changes/${unknown}`, { body: { comment: 'x' } })).statusCode).toBe(404);
    expect((await t.request('DELETE', `/api/scheduled-changes/${unknown}`)).statusCode).toBe(404);
    const bad = await t.request('GET', '/api/scheduled-changes/not-an-id');
    expect(bad.statusCode).toBe(400);
    expect(detailPaths(bad.json())).toEqual(['params.id']);
  });

  describe('refuses bad input, naming the field, and changes nothing', () => {
    const url = '/api/flags/checkout/environments/production/scheduled-changes';
    const refused = async (body: unknown, status: number, paths: string[], target = url) => {
      const before = await changeCount();
      const res = await t.request('POST', target, { body });
      expect(res.statusCode, res.body).toBe(status);
      if (paths.length > 0) expect(detailPaths(res.json())).toEqual(paths);
      expect(await changeCount()).toBe(before);
      return res.json();
    };
    const soon = async () => instantAfter(await dbNow(t), HOUR);

    it('a missing or malformed field (400)', async () => {
      const at = await soon();
      await refused({ instructions: [{ kind: 'turnOn' }] }, 400, ['body.at']);
      await refused({ at }, 400, ['body.instructions']);
      await refused({ at, instructions: [] }, 400, ['body.instructions']);
      await refused({ at: '2030-01-01T10:00:00', instructions: [{ kind: 'turnOn' }] }, 400, ['body.at']);
      await refused({ at: 'tomorrow', instructions: [{ kind: 'turnOn' }] }, 400, ['body.at']);
      await refused({ at, instructions: [{ kind: 'explode' }] }, 400, ['body.instructions[0].kind']);
      await refused({ at, instructions: [{ kind: 'turnOn', extra: 1 }] }, 400, ['body.instructions[0]']);
      await refused({ at, instructions: [{ kind: 'setOffVariation' }] }, 400, ['body.instructions[0].variation']);
      await refused({ at, instructions: [{ kind: 'setFallthrough' }] }, 400, ['body.instructions[0]']);
      await refused({ at, instructions: [{ kind: 'addTargets', variation: 0, values: [] }] }, 400, ['body.instructions[0].values']);
      await refused({ at, instructions: [{ kind: 'setFallthrough', rollout: { variations: [{ variation: 0, weight: 50_000 }] } }] }, 400, [
        'body.instructions[0].rollout.variations',
      ]);
      await refused(
        { at, instructions: [{ kind: 'startReleasePlan', plan: { stages: [{ percentage: 5, holdMinutes: 1 }] } }, { kind: 'turnOn' }] },
        400,
        ['body.instructions[0].kind'],
      );
      await refused({ at, instructions: Array.from({ length: 21 }, () => ({ kind: 'turnOn' })) }, 400, ['body.instructions']);
      await refused({ at, instructions: [{ kind: 'turnOn' }], comment: 'x'.repeat(1001) }, 400, ['body.comment']);
    });

    it('a time in the past or more than a year ahead (400)', async () => {
      const now = await dbNow(t);
      const past = await refused({ at: instantAfter(now, -1000), instructions: [{ kind: 'turnOn' }] }, 400, ['body.at']);
      expect(past.details[0].message).toContain('must be in the future');
      await refused({ at: instantAfter(now, 367 * 24 * HOUR), instructions: [{ kind: 'turnOn' }] }, 400, ['body.at']);
    });

    it('variations the flag does not have (422), an unknown flag or environment (404), an archived flag (409)', async () => {
      const at = await soon();
      const invalid = await refused(
        {
          at,
          instructions: [
            { kind: 'turnOn' },
            { kind: 'addTargets', variation: 2, values: ['alice'] },
            { kind: 'startReleasePlan', plan: { stages: [{ percentage: 5, holdMinutes: 1 }], controlVariation: 9 } },
          ],
        },
        422,
        ['body.instructions[1].variation', 'body.instructions[2].plan.controlVariation'],
      );
      expect(invalid.error).toBe('invalid_definition');
      await refused({ at, instructions: [{ kind: 'turnOn' }] }, 404, [], '/api/flags/nope/environments/production/scheduled-changes');
      await refused({ at, instructions: [{ kind: 'turnOn' }] }, 404, [], '/api/flags/checkout/environments/nowhere/scheduled-changes');
      await createFlag(t, { key: 'old' });
      expect((await t.request('POST', '/api/flags/old/archive')).statusCode).toBe(200);
      await refused(
        { at, instructions: [{ kind: 'turnOn' }] },
        409,
        ['params.key'],
        '/api/flags/old/environments/production/scheduled-changes',
      );
    });

    it('the same checks when editing', async () => {
      const created = await schedule(t, 'checkout', { at: await soon(), instructions: [{ kind: 'turnOn' }] });
      const edit = (body: unknown) => t.request('PATCH', `/api/scheduled-changes/${created.id}`, { body });
      const empty = await edit({});
      expect(empty.statusCode).toBe(400);
      const past = await edit({ at: instantAfter(await dbNow(t), -1) });
      expect(past.statusCode).toBe(400);
      expect(detailPaths(past.json())).toEqual(['body.at']);
      const range = await edit({ instructions: [{ kind: 'setOffVariation', variation: 3 }] });
      expect(range.statusCode).toBe(422);
      expect(detailPaths(range.json())).toEqual(['body.instructions[0].variation']);
      expect(await getChange(t, created.id)).toEqual(created);
    });
  });
});
