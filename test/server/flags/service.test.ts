import type { FlagConfig } from '@switchyard/sdk/schema';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { InProcessChangeBus } from '../../../server/src/changes/change-bus.ts';
import { ChangeWriter } from '../../../server/src/changes/write-unit.ts';
import { ADVISORY_LOCKS } from '../../../server/src/db/locks.ts';
import { ConflictError, InvalidDefinitionError, VersionMismatchError } from '../../../server/src/errors/index.ts';
import { FlagConfigService } from '../../../server/src/flags/config-service.ts';
import { FlagService } from '../../../server/src/flags/service.ts';
import { InsightsService } from '../../../server/src/insights/service.ts';
import { createTestDatabase, type TestDatabase } from '../../helpers/database.ts';
import { whileLockHeld } from '../../helpers/hold-lock.ts';

const dependingOn = (key: string): FlagConfig => ({
  on: true,
  offVariation: 1,
  fallthrough: { variation: 0 },
  targets: [],
  rules: [],
  prerequisites: [{ key, variation: 0 }],
});

describe('FlagService and FlagConfigService', () => {
  let db: TestDatabase;
  let flags: FlagService;
  let configs: FlagConfigService;
  beforeAll(async () => {
    db = await createTestDatabase(inject('databaseUrl'), inject('templateDatabase'), inject('testRunId'));
    await db.prisma.environment.create({ data: { key: 'production', name: 'Production' } });
    const changes = new ChangeWriter({ prisma: db.prisma, bus: new InProcessChangeBus(), onPublishError: () => {} });
    flags = new FlagService({ prisma: db.prisma, changes, insights: new InsightsService({ prisma: db.prisma }) });
    configs = new FlagConfigService({ prisma: db.prisma, changes });
  });
  afterAll(async () => db?.drop());

  /** Starts `writes` while another transaction holds the prerequisite-graph lock, and releases it once `waiting` statements wait. */
  const whileGraphLocked = <T>(waiting: number, writes: () => Promise<T>) =>
    whileLockHeld(db, (tx) => tx.$executeRaw`SELECT pg_advisory_xact_lock(${ADVISORY_LOCKS.prerequisiteGraph})`, waiting, writes);

  it('never lets a flag be archived while, at the same time, another flag starts to depend on it', async () => {
    await flags.create('test', { key: 'checkout', name: 'Checkout', kind: 'boolean' });
    await flags.create('test', { key: 'payments', name: 'Payments', kind: 'boolean' });

    // Each write alone is valid. Unserialised, the archive could find no dependent while the new
    // prerequisite found `payments` still active, and both would commit.
    const results = await whileGraphLocked(2, () =>
      Promise.allSettled([
        flags.archive('test', 'payments', null),
        configs.replace('test', { flagKey: 'checkout', environmentKey: 'production' }, null, dependingOn('payments')),
      ]),
    );

    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason);
    expect(refused).toHaveLength(1);
    // Whichever went second was refused: the archive by the new dependent, or the prerequisite by the archive.
    expect(refused[0] instanceof ConflictError || refused[0] instanceof InvalidDefinitionError).toBe(true);
  });

  it('refuses a configuration write based on a stale version with the current version, and one on an archived flag', async () => {
    await flags.create('test', { key: 'banner', name: 'Banner', kind: 'boolean' });
    const target = { flagKey: 'banner', environmentKey: 'production' };
    const current = await configs.toggle('test', target, null, true);

    await expect(configs.toggle('test', target, current.version - 1, false)).rejects.toEqual(new VersionMismatchError(current.version));
    await flags.archive('test', 'banner', null);
    await expect(configs.toggle('test', target, current.version, false)).rejects.toBeInstanceOf(ConflictError);
    expect((await configs.get(target)).on).toBe(true);
  });
});
