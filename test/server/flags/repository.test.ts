/**
 * The flag repositories' lock-and-read statements (one raw statement each, on every configuration
 * write) read a row exactly as Prisma's own reads do: the same fields, types and values.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { findFlagConfig, lockFlagConfig, updateFlagConfig } from '../../../server/src/flags/config-repository.ts';
import { findFlag, lockFlag } from '../../../server/src/flags/repository.ts';
import { createTestDatabase, type TestDatabase } from '../../helpers/database.ts';

describe('flag repositories', () => {
  let db: TestDatabase;
  let ids: { flagId: string; environmentId: string };
  beforeAll(async () => {
    db = await createTestDatabase(inject('databaseUrl'), inject('templateDatabase'), inject('testRunId'));
    const environment = await db.prisma.environment.create({ data: { key: 'production', name: 'Production' } });
    const flag = await db.prisma.flag.create({
      data: {
        key: 'checkout',
        name: 'Checkout',
        description: 'the new checkout',
        kind: 'string',
        variations: ['a', 'b', { nested: [1, 2.5, null] }],
        tags: ['team-payments', 'q4'],
        archivedAt: new Date('2026-11-30T23:59:59.123Z'),
        salt: 'salt-1',
        clientSideAvailable: true,
      },
    });
    await db.prisma.flagEnvironment.create({
      data: {
        flagId: flag.id,
        environmentId: environment.id,
        on: true,
        offVariation: 1,
        fallthrough: { rollout: { variations: [{ variation: 0, weight: 100_000 }] } },
        targets: [{ variation: 0, values: ['alice'] }],
        rules: [],
        prerequisites: [],
        guardedMetrics: ['checkout-error'],
      },
    });
    ids = { flagId: flag.id, environmentId: environment.id };
  });
  afterAll(async () => db?.drop());

  it('lockFlag reads the flag as findFlag does, in either lock mode; null for an unknown key', async () => {
    const expected = await findFlag(db.prisma, 'checkout');
    for (const mode of ['share', 'update'] as const) {
      const locked = await db.prisma.$transaction((tx) => lockFlag(tx, 'checkout', mode));
      expect(locked).toStrictEqual(expected);
    }
    expect(await db.prisma.$transaction((tx) => lockFlag(tx, 'nope', 'share'))).toBeNull();
  });

  it('lockFlagConfig reads the configuration as findFlagConfig does; null when there is none', async () => {
    const expected = await findFlagConfig(db.prisma, ids.flagId, ids.environmentId);
    const locked = await db.prisma.$transaction((tx) => lockFlagConfig(tx, ids.flagId, ids.environmentId));
    const {
      flagId: _flagId,
      environmentId: _environmentId,
      ...withoutIds
    } = expected as NonNullable<typeof expected> & {
      flagId: string;
      environmentId: string;
    };
    expect(locked).toStrictEqual(withoutIds);
    expect(await db.prisma.$transaction((tx) => lockFlagConfig(tx, ids.flagId, 'no-such-environment'))).toBeNull();
  });

  it('updateFlagConfig writes the next version and returns it, and writes nothing at a version that moved on', async () => {
    const row = (await findFlagConfig(db.prisma, ids.flagId, ids.environmentId))!;
    const config = { on: false, offVariation: 0, fallthrough: { variation: 1 }, targets: [], rules: [], prerequisites: [] };
    const written = await db.prisma.$transaction((tx) => updateFlagConfig(tx, row, config));
    expect(written).toMatchObject({ ...config, guardedMetrics: [], version: row.version + 1 });
    expect(written).toStrictEqual(await findFlagConfig(db.prisma, ids.flagId, ids.environmentId));
    const stale = await db.prisma.$transaction((tx) => updateFlagConfig(tx, row, { ...config, on: true }));
    expect(stale).toBeNull();
    expect((await findFlagConfig(db.prisma, ids.flagId, ids.environmentId))!.on).toBe(false);
  });
});
