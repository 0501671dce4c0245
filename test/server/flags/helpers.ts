import { expect } from 'vitest';
import type { TestApp } from '../../helpers/app.ts';

/** Creates a flag through the API and returns its JSON (fails the test if creation fails). */
export async function createFlag(t: TestApp, body: Record<string, unknown>) {
  const res = await t.request('POST', '/api/flags', { body: { name: String(body.key), kind: 'boolean', ...body } });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

/** Every row a flag write can touch, to prove that a refused request changed nothing. */
export async function dumpFlagState(t: TestApp): Promise<string> {
  const p = t.db.prisma;
  const [flags, configs, environments, changes, audit, segments] = await Promise.all([
    p.flag.findMany({ orderBy: { key: 'asc' } }),
    p.flagEnvironment.findMany({ orderBy: [{ flagId: 'asc' }, { environmentId: 'asc' }] }),
    p.environment.findMany({ orderBy: { key: 'asc' } }),
    p.environmentChange.findMany({ orderBy: { id: 'asc' } }),
    p.auditEvent.findMany({ orderBy: { id: 'asc' } }),
    p.segment.findMany({ orderBy: { key: 'asc' } }),
  ]);
  return JSON.stringify({ flags, configs, environments, changes, audit, segments }, (_key, value) =>
    typeof value === 'bigint' ? value.toString() : value,
  );
}

export const auditActions = async (t: TestApp, flagKey: string) =>
  (await t.db.prisma.auditEvent.findMany({ where: { flagKey }, orderBy: { id: 'asc' } })).map((e) => e.action);

export const environmentVersions = async (t: TestApp) =>
  Object.fromEntries((await t.db.prisma.environment.findMany()).map((e) => [e.key, e.version]));

export const detailPaths = (body: { details: { path: string }[] }) => body.details.map((d) => d.path).sort();
