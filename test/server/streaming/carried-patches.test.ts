import type { Patch } from '@switchyard/sdk/model';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildApp } from '../../../server/src/app.ts';
import { InProcessChangeBus } from '../../../server/src/changes/change-bus.ts';
import type { ChangeNotice, EnvironmentChangeNotice } from '../../../server/src/changes/notice.ts';
import { MAX_NOTICE_BYTES, RedisChangeBus } from '../../../server/src/changes/redis-change-bus.ts';
import { createPrisma } from '../../../server/src/db/prisma.ts';
import { loadPatch } from '../../../server/src/snapshots/read-model.ts';
import type { TestApp } from '../../helpers/app.ts';
import { createFlag, environmentVersion, type Replica, StreamClient, startStreamingApp, testNamespace, toggle } from './stream-kit.ts';

/** Every notice the app publishes from now on. */
function recordNotices(t: TestApp): EnvironmentChangeNotice[] {
  const notices: EnvironmentChangeNotice[] = [];
  t.app.changeBus.subscribe((notice) => {
    if (notice.resourceType === 'flag' || notice.resourceType === 'segment') notices.push(notice);
  });
  return notices;
}

describe('change notices carry the patch built by the replica that wrote', () => {
  let t: TestApp;
  let server: Replica;
  let namespace: string;
  const closers: (() => unknown)[] = [];

  beforeAll(async () => {
    // A long version check, so that only notices (not the safety net) move the stream in these tests.
    ({ t, replica: server, namespace } = await startStreamingApp({ streaming: { versionCheckIntervalMs: 60_000 } }));
    await createFlag(t, 'carried');
  });
  afterAll(async () => {
    for (const close of closers.reverse()) await close();
    await server?.close();
  });

  it('is exactly the patch the database gives for the versions the write committed', async () => {
    const notices = recordNotices(t);
    // Compared right after each write, while the write's version is still the environment's current one.
    const expectLastNoticeMatchesDatabase = async () => {
      const notice = notices.at(-1)!;
      expect(notice.patch).toBeDefined();
      expect(notice.patch!.version).toBe(notice.version);
      expect(notice.patch).toEqual(await loadPatch(t.db.prisma, 'production', notice.version - 1));
      return notice.patch!;
    };
    await toggle(t, 'carried', 'production', true);
    expect((await expectLastNoticeMatchesDatabase()).flags.carried).toMatchObject({ key: 'carried', on: true });

    const created = await t.request('POST', '/api/environments/production/segments', { body: { key: 'carried-users', name: 'Carried' } });
    expect(created.statusCode).toBe(201);
    // The segment is written after the version bump in the same transaction: the patch still has it.
    expect((await expectLastNoticeMatchesDatabase()).segments['carried-users']).toMatchObject({
      key: 'carried-users',
      included: [],
      excluded: [],
    });

    const deleted = await t.request('DELETE', '/api/environments/production/segments/carried-users');
    expect(deleted.statusCode).toBe(204);
    expect((await expectLastNoticeMatchesDatabase()).segments).toEqual({ 'carried-users': null });
    expect(notices).toHaveLength(3);
  });

  it('gives each environment a flag write touches its own definitions', async () => {
    const notices = recordNotices(t);
    await createFlag(t, 'everywhere');
    const environments = await t.db.prisma.environment.findMany({ select: { key: true } });
    expect(notices.map((n) => n.environmentKey).sort()).toEqual(environments.map((e) => e.key).sort());
    for (const notice of notices) {
      expect(Object.keys(notice.patch!.flags)).toEqual(['everywhere']);
      expect(notice.patch).toEqual(await loadPatch(t.db.prisma, notice.environmentKey, notice.version - 1));
    }
  });

  it('lets a replica whose database pool is busy fan a change out at once', async () => {
    // Replica B with a single database connection, which a slow query then holds for 2 s.
    const redis = new Redis(inject('redisUrl'));
    const prisma = createPrisma(t.db.url, 1);
    const b = await buildApp({ prisma, redis, redisNamespace: namespace, streaming: { versionCheckIntervalMs: 60_000 } });
    const address = await b.listen({ port: 0, host: '127.0.0.1' });
    closers.push(
      () => redis.disconnect(),
      () => prisma.$disconnect(),
      () => b.close(),
    );
    const key = await t.createToken('server', 'production', 'replica b');
    const client = await StreamClient.connect(`${address.replace(/^http/, 'ws')}/sdk/stream`, { key });
    closers.push(() => client.close());
    const version = ((await client.next('snapshot')).snapshot as { version: number }).version;

    const blocked = prisma.$executeRawUnsafe('SELECT pg_sleep(2)').then(() => performance.now());
    await new Promise((r) => setTimeout(r, 100));
    await toggle(t, 'carried', 'production', false);
    const patch = await client.next('patch', 5000);
    const receivedAt = performance.now();

    expect(patch).toMatchObject({ fromVersion: version, version: version + 1, flags: { carried: { on: false } } });
    expect(receivedAt).toBeLessThan(await blocked);
  });

  it('declines per-message compression (no zlib context per connection)', async () => {
    const key = await t.createToken('server', 'production', 'deflate');
    const client = await StreamClient.connect(server.wsUrl, { key }); // the ws client offers permessage-deflate
    closers.push(() => client.close());
    expect(client.socket.extensions).toBe('');
  });

  it('fills a gap (a notice that never came) from the database', async () => {
    const key = await t.createToken('server', 'production', 'gap');
    const client = await StreamClient.connect(server.wsUrl, { key });
    closers.push(() => client.close());
    const version = ((await client.next('snapshot')).snapshot as { version: number }).version;

    // A writer whose notices reach nobody: this replica never hears of its version.
    const silent = await buildApp({ prisma: t.db.prisma, changeBus: new InProcessChangeBus() });
    closers.push(() => silent.close());
    const lost = await silent.inject({
      method: 'POST',
      url: '/api/flags/carried/environments/production/toggle',
      headers: { authorization: `Bearer ${t.adminToken}` },
      payload: { on: true },
    });
    expect(lost.statusCode).toBe(200);
    expect(await client.quietFor(200)).toEqual([]);

    await createFlag(t, 'after-the-gap');
    const patch = await client.next('patch');
    expect(patch).toMatchObject({ fromVersion: version, version: await environmentVersion(t, 'production') });
    expect(patch.flags).toMatchObject({ carried: { on: true }, 'after-the-gap': { key: 'after-the-gap' } });
  });
});

describe('RedisChangeBus and the size of a carried patch', () => {
  const maxNoticeKiB = MAX_NOTICE_BYTES / 1024;
  it(`sends a notice whose message would exceed ${maxNoticeKiB} KiB without its patch, and keeps it for this process`, async () => {
    const namespace = testNamespace();
    const [redisA, redisB] = [new Redis(inject('redisUrl')), new Redis(inject('redisUrl'))];
    const [a, b] = [new RedisChangeBus(redisA, namespace), new RedisChangeBus(redisB, namespace)];
    try {
      await Promise.all([a.start(), b.start()]);
      const local: EnvironmentChangeNotice[] = [];
      const remote: EnvironmentChangeNotice[] = [];
      const isChange = (n: ChangeNotice): n is EnvironmentChangeNotice => n.resourceType === 'flag' || n.resourceType === 'segment';
      a.subscribe((n) => isChange(n) && local.push(n));
      b.subscribe((n) => isChange(n) && remote.push(n));
      const patchOf = (bytes: number): Patch => ({
        fromVersion: 1,
        version: 2,
        flags: {},
        segments: { big: { key: 'big', included: ['x'.repeat(bytes)], excluded: [], rules: [], version: 1 } },
      });
      const notice = (patch: Patch): ChangeNotice => ({
        environmentId: 'e',
        environmentKey: 'production',
        version: 2,
        resourceType: 'segment',
        resourceKey: 'big',
        patch,
      });

      await a.publish(notice(patchOf(1024)));
      await a.publish(notice(patchOf(MAX_NOTICE_BYTES)));
      await expect.poll(() => remote.length).toBe(2);

      expect(remote[0]!.patch).toEqual(patchOf(1024));
      expect(remote[1]).toEqual({
        environmentId: 'e',
        environmentKey: 'production',
        version: 2,
        resourceType: 'segment',
        resourceKey: 'big',
      });
      expect(local.map((n) => n.patch)).toEqual([patchOf(1024), patchOf(MAX_NOTICE_BYTES)]);
    } finally {
      await a.close();
      await b.close();
      redisA.disconnect();
      redisB.disconnect();
    }
  });
});
