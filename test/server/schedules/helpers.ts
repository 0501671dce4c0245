import { expect } from 'vitest';
import type { TestApp } from '../../helpers/app.ts';
import { until } from '../../helpers/wait.ts';

/** The database's clock: the one due times are compared with. */
export async function dbNow(t: TestApp): Promise<Date> {
  const [row] = await t.db.prisma.$queryRaw<{ now: Date }[]>`SELECT now() AS "now"`;
  return row!.now;
}

/** `ms` milliseconds after `from`, as the ISO instant the API takes. */
export const instantAfter = (from: Date, ms: number) => new Date(from.getTime() + ms).toISOString();

/** Schedules a change through the API (fails the test unless 201) and returns it. */
export async function schedule(t: TestApp, flagKey: string, body: Record<string, unknown>, env = 'production') {
  const res = await t.request('POST', `/api/flags/${flagKey}/environments/${env}/scheduled-changes`, { body });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

export async function getChange(t: TestApp, id: string) {
  const res = await t.request('GET', `/api/scheduled-changes/${id}`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

/** Waits until the change has left `pending`, and returns it. */
export async function settled(t: TestApp, id: string) {
  return until(`scheduled change ${id} settles`, async () => {
    const change = await getChange(t, id);
    return change.status !== 'pending' && change;
  });
}

export async function config(t: TestApp, flagKey: string, env = 'production') {
  const res = await t.request('GET', `/api/flags/${flagKey}/environments/${env}`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

/** Audit events about one scheduled change or flag, oldest first. */
export const auditOf = (t: TestApp, where: { resourceKey?: string; flagKey?: string; action?: string; resourceType?: string }) =>
  t.db.prisma.auditEvent.findMany({ where, orderBy: { id: 'asc' } });

/** Makes pending changes due now, by the database's clock (as if an hour had passed). */
export async function makeDueNow(t: TestApp, ids: string[]): Promise<void> {
  await t.db.prisma.$executeRaw`
    UPDATE "ScheduledChange" SET "dueAt" = now() AT TIME ZONE 'UTC' WHERE "id" = ANY(${ids}::text[])`;
}
