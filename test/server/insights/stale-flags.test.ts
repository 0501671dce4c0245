/**
 * The stale-flag report on a virtual clock (the app's insights clock): evaluations are folded at
 * chosen days before "now", N = 7 (the default of SWITCHYARD_STALE_AFTER_DAYS).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.ts';
import { createFlag, detailPaths } from '../flags/helpers.ts';
import { foldReport, reportAt } from './rollups.ts';

const NOW = new Date('2026-03-10T12:00:00.000Z');
const DAY = 86_400_000;
const daysAgo = (days: number) => new Date(NOW.getTime() - days * DAY);

describe('insights: the stale-flag report', () => {
  let t: TestApp;
  /** `count` evaluations of `flag` (a variation index or an error kind) in `env`, in a report starting `days` days before now. */
  const evaluated = (env: string, flag: string, days: number, served: number | string, count = 10) =>
    foldReport(
      t.db.prisma,
      env,
      ...reportAt(daysAgo(days), {
        evaluations: [typeof served === 'number' ? { flag, variation: served, count } : { flag, error: served as 'FLAG_NOT_FOUND', count }],
      }),
    );
  const setFlag = (key: string, data: { archived?: boolean; archivedAt?: Date; createdAt?: Date }) =>
    t.db.prisma.flag.update({ where: { key }, data });
  const report = async (query = '') => {
    const res = await t.request('GET', `/api/insights/stale-flags${query}`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };

  beforeAll(async () => {
    t = await createTestApp({ insights: { clock: () => NOW } });
    for (const key of [
      'launched-everywhere',
      'split-values',
      'still-active',
      'archived-evaluated',
      'archived-clean',
      'dead',
      'brand-new',
    ]) {
      await createFlag(t, { key });
      await setFlag(key, { createdAt: daysAgo(60) });
    }
    await createFlag(t, { key: 'permanent', temporary: false });
    await createFlag(t, { key: 'colour', kind: 'string', variations: ['red', 'green'] });
    await setFlag('brand-new', { createdAt: daysAgo(2) });

    // true alone for 20 days in production and 15 in staging; development last evaluated 30 days ago.
    await evaluated('production', 'launched-everywhere', 20, 0);
    await evaluated('production', 'launched-everywhere', 0.1, 0);
    await evaluated('staging', 'launched-everywhere', 15, 0);
    await evaluated('staging', 'launched-everywhere', 1, 0);
    await evaluated('development', 'launched-everywhere', 31, 1);
    // Launched, but not on the same value everywhere.
    await evaluated('production', 'split-values', 20, 0);
    await evaluated('production', 'split-values', 1, 0);
    await evaluated('staging', 'split-values', 20, 1);
    await evaluated('staging', 'split-values', 1, 1);
    // Two variations served this week in production.
    await evaluated('production', 'still-active', 20, 0);
    await evaluated('production', 'still-active', 1, 1);
    await evaluated('production', 'still-active', 1, 0);
    // A permanent flag is never ready, launched or not.
    await evaluated('production', 'permanent', 20, 0);
    await evaluated('production', 'permanent', 1, 0);
    // A string flag launched on "green" for 9 days after "red" stopped.
    await evaluated('production', 'colour', 30, 0);
    await evaluated('production', 'colour', 9, 0, 1);
    await evaluated('production', 'colour', 9, 1);
    await evaluated('production', 'colour', 2, 1, 5);
    // Archived 3 days ago; production still asks for it (FLAG_NOT_FOUND since it left the snapshots).
    await evaluated('production', 'archived-evaluated', 20, 0);
    await evaluated('production', 'archived-evaluated', 1, 'FLAG_NOT_FOUND');
    await t.request('POST', '/api/flags/archived-evaluated/archive');
    await setFlag('archived-evaluated', { archivedAt: daysAgo(3) });
    // Archived 10 days ago, last evaluated 12 days ago.
    await evaluated('production', 'archived-clean', 40, 0);
    await evaluated('production', 'archived-clean', 12, 0);
    await t.request('POST', '/api/flags/archived-clean/archive');
    await setFlag('archived-clean', { archivedAt: daysAgo(10) });
  });
  afterAll(async () => t?.close());

  it('lists temporary flags ready for removal, with the reason in words and the evidence per environment', async () => {
    const body = await report();
    expect(body).toMatchObject({ staleAfterDays: 7, generatedAt: NOW.toISOString() });
    expect(body.ready.map((f: { flagKey: string; reason: string }) => [f.flagKey, f.reason])).toEqual([
      ['archived-clean', 'not evaluated in production for 11 days; never evaluated in development and staging'],
      ['colour', 'served "green" to every context in production for 8 days; never evaluated in development and staging'],
      ['dead', 'never evaluated in development, staging and production in the 60 days since it was created'],
      [
        'launched-everywhere',
        'served true to every context in staging and production for 15 days; not evaluated in development for 30 days',
      ],
    ]);
    const launched = body.ready.find((f: { flagKey: string }) => f.flagKey === 'launched-everywhere');
    expect(launched).toEqual({
      flagKey: 'launched-everywhere',
      name: 'launched-everywhere',
      archived: false,
      reason: expect.any(String),
      environments: [
        {
          environmentKey: 'development',
          status: 'inactive',
          lastEvaluatedAt: daysAgo(31 - 10_000 / DAY).toISOString(),
          recentEvaluations: 0,
        },
        {
          environmentKey: 'staging',
          status: 'launched',
          lastEvaluatedAt: daysAgo(1 - 10_000 / DAY).toISOString(),
          recentEvaluations: 10,
          launched: { variation: 0, value: true, since: daysAgo(15).toISOString() },
        },
        {
          environmentKey: 'production',
          status: 'launched',
          lastEvaluatedAt: daysAgo(0.1 - 10_000 / DAY).toISOString(),
          recentEvaluations: 10,
          launched: { variation: 0, value: true, since: daysAgo(20).toISOString() },
        },
      ],
    });
    expect(body.ready.find((f: { flagKey: string }) => f.flagKey === 'archived-clean').archived).toBe(true);
  });

  it('never lists permanent flags, flags still changing, flags serving different values, or flags new for less than N days', async () => {
    const keys = (await report()).ready.map((f: { flagKey: string }) => f.flagKey);
    for (const key of ['permanent', 'still-active', 'split-values', 'brand-new', 'archived-evaluated']) expect(keys).not.toContain(key);
  });

  it('lists archived flags still evaluated separately: removing them would change behaviour', async () => {
    expect((await report()).archivedButEvaluated).toEqual([
      {
        flagKey: 'archived-evaluated',
        name: 'archived-evaluated',
        archivedAt: daysAgo(3).toISOString(),
        reason:
          'archived on 2026-03-07 but still evaluated in production (last on 2026-03-09): ' +
          'code still asks for it, and removing it would change what that code gets',
        environments: [
          { environmentKey: 'development', status: 'new', lastEvaluatedAt: null, recentEvaluations: 0 },
          { environmentKey: 'staging', status: 'new', lastEvaluatedAt: null, recentEvaluations: 0 },
          {
            environmentKey: 'production',
            status: 'archived-but-evaluated',
            lastEvaluatedAt: daysAgo(1 - 10_000 / DAY).toISOString(),
            recentEvaluations: 10,
          },
        ],
      },
    ]);
  });

  it('considers only the environment named by env', async () => {
    const production = await report('?env=production');
    expect(production.ready.map((f: { flagKey: string; reason: string }) => [f.flagKey, f.reason])).toEqual([
      ['archived-clean', 'not evaluated in production for 11 days'],
      ['colour', 'served "green" to every context in production for 8 days'],
      ['dead', 'never evaluated in production in the 60 days since it was created'],
      ['launched-everywhere', 'served true to every context in production for 20 days'],
      ['split-values', 'served true to every context in production for 20 days'],
    ]);
    expect(production.ready[0].environments.map((e: { environmentKey: string }) => e.environmentKey)).toEqual(['production']);
    expect(production.archivedButEvaluated.map((f: { flagKey: string }) => f.flagKey)).toEqual(['archived-evaluated']);
    expect((await report('?env=staging')).archivedButEvaluated).toEqual([]);

    const unknown = await t.request('GET', '/api/insights/stale-flags?env=nowhere');
    expect(unknown.statusCode).toBe(404);
    const bad = await t.request('GET', '/api/insights/stale-flags?env=bad%20key');
    expect(bad.statusCode).toBe(400);
    expect(detailPaths(bad.json())).toEqual(['query.env']);
  });
});
