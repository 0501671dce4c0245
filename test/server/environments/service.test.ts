import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { displayPrefix, generateSecret, hashSecret } from '../../../server/src/auth/secrets.ts';
import { InProcessChangeBus } from '../../../server/src/changes/change-bus.ts';
import type { ChangeNotice } from '../../../server/src/changes/notice.ts';
import { ChangeWriter } from '../../../server/src/changes/write-unit.ts';
import { EnvironmentService } from '../../../server/src/environments/service.ts';
import { createTestDatabase, type TestDatabase } from '../../helpers/database.ts';

describe('EnvironmentService.delete', () => {
  let db: TestDatabase;
  let environments: EnvironmentService;
  const notices: ChangeNotice[] = [];
  beforeAll(async () => {
    db = await createTestDatabase(inject('databaseUrl'), inject('templateDatabase'), inject('testRunId'));
    const bus = new InProcessChangeBus();
    bus.subscribe((notice) => notices.push(notice));
    environments = new EnvironmentService({
      prisma: db.prisma,
      changes: new ChangeWriter({ prisma: db.prisma, bus, onPublishError: () => {} }),
    });
  });
  afterAll(async () => db?.drop());

  const addToken = async (kind: 'server' | 'client', environmentId: string, revoked = false) => {
    const secret = generateSecret(kind);
    const token = await db.prisma.apiToken.create({
      data: {
        name: kind,
        kind,
        environmentId,
        secretHash: hashSecret(secret),
        prefix: displayPrefix(secret),
        revokedAt: revoked ? new Date() : null,
      },
    });
    return token.id;
  };

  it('announces after commit, to every replica, the environment and the ids of every key it had', async () => {
    await environments.create('test', { key: 'doomed', name: 'Doomed' });
    await environments.create('test', { key: 'spared', name: 'Spared' });
    const doomed = await db.prisma.environment.findUniqueOrThrow({ where: { key: 'doomed' } });
    const spared = await db.prisma.environment.findUniqueOrThrow({ where: { key: 'spared' } });
    const doomedKeys = [
      await addToken('server', doomed.id),
      await addToken('client', doomed.id),
      await addToken('server', doomed.id, true),
    ];
    await addToken('server', spared.id);
    notices.length = 0;

    await environments.delete('test', 'doomed');
    expect(notices).toEqual([
      { resourceType: 'environment', environmentId: doomed.id, environmentKey: 'doomed', tokenIds: expect.any(Array) },
    ]);
    expect([...(notices[0] as { tokenIds: string[] }).tokenIds].sort()).toEqual([...doomedKeys].sort());
    expect(await db.prisma.apiToken.count({ where: { id: { in: doomedKeys } } })).toBe(0);
  });

  it('announces nothing when there is nothing to delete', async () => {
    notices.length = 0;
    await expect(environments.delete('test', 'no-such-environment')).rejects.toThrow(/no-such-environment/);
    expect(notices).toEqual([]);
  });
});
