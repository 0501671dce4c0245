import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../helpers/app.ts';
import {
  createFlag,
  environmentVersion,
  type Replica,
  StreamClient,
  startReplica,
  startStreamingApp,
  toggle,
} from '../server/streaming/stream-kit.ts';

type FlagMap = Record<string, { on: boolean }>;

/** A committed change that no notice announces (as if the Redis message had been lost). */
async function toggleWithoutNotice(t: TestApp, flagKey: string, environmentKey: string, on: boolean): Promise<number> {
  return t.db.prisma.$transaction(async (tx) => {
    const env = await tx.environment.update({ where: { key: environmentKey }, data: { version: { increment: 1 } } });
    const flag = await tx.flag.findUniqueOrThrow({ where: { key: flagKey } });
    await tx.flagEnvironment.update({
      where: { flagId_environmentId: { flagId: flag.id, environmentId: env.id } },
      data: { on, version: { increment: 1 } },
    });
    await tx.environmentChange.create({
      data: { environmentId: env.id, version: env.version, resourceType: 'flag', resourceKey: flagKey },
    });
    return env.version;
  });
}

describe('two replicas sharing Postgres and Redis', () => {
  let t: TestApp;
  let a: Replica;
  let b: Replica;
  let serverKey: string;
  let namespace: string;
  const clients: StreamClient[] = [];

  beforeAll(async () => {
    ({ t, replica: a, namespace } = await startStreamingApp({ streaming: { versionCheckIntervalMs: 300 } }));
    b = await startReplica(t, namespace, { streaming: { versionCheckIntervalMs: 60_000 } });
    serverKey = await t.createToken('server', 'production');
    await createFlag(t, 'new-checkout');
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await b?.close();
    await a?.close();
  });

  const connect = async (replica: Replica) => {
    const client = await StreamClient.connect(replica.wsUrl, { key: serverKey });
    clients.push(client);
    await client.next('snapshot');
    return client;
  };

  it('delivers a toggle made on replica A to the clients of both replicas', async () => {
    const onA = await connect(a);
    const onB = await connect(b);
    await toggle(t, 'new-checkout', 'production', true); // t's admin API is replica A
    const version = await environmentVersion(t, 'production');
    for (const client of [onA, onB]) {
      const patch = await client.next('patch', 2000);
      expect(patch.version).toBe(version);
      expect((patch.flags as FlagMap)['new-checkout']!.on).toBe(true);
    }
  });

  it('delivers a toggle made on replica B to a client of replica A', async () => {
    const onA = await connect(a);
    const res = await b.app.inject({
      method: 'POST',
      url: '/api/flags/new-checkout/environments/production/toggle',
      headers: { authorization: `Bearer ${t.adminToken}` },
      payload: { on: false },
    });
    expect(res.statusCode).toBe(200);
    const patch = await onA.next('patch', 2000);
    expect((patch.flags as FlagMap)['new-checkout']!.on).toBe(false);
  });

  it('catches up from the database when a notice is lost (periodic version check)', async () => {
    const onA = await connect(a);
    const version = await toggleWithoutNotice(t, 'new-checkout', 'production', true);
    const patch = await onA.next('patch', 3000);
    expect(patch.version).toBe(version);
    expect((patch.flags as FlagMap)['new-checkout']!.on).toBe(true);
  });

  it('catches up from the database when its Redis subscriber reconnects', async () => {
    // Replica B checks the database only every minute: only the reconnect can make it catch up here.
    const onB = await connect(b);
    const version = await toggleWithoutNotice(t, 'new-checkout', 'production', false);
    expect(await onB.quietFor(300)).toEqual([]);

    const list = (await b.redis!.call('CLIENT', 'LIST', 'TYPE', 'pubsub')) as string;
    const ids = list
      .split('\n')
      .filter((line) => line.includes(` name=${namespace}:changes-subscriber `))
      .map((line) => /(?:^|\s)id=(\d+)/.exec(line)![1]!);
    expect(ids.length).toBe(2); // one subscriber per replica
    for (const id of ids) await b.redis!.call('CLIENT', 'KILL', 'ID', id);

    const patch = await onB.next('patch', 5000);
    expect(patch.version).toBe(version);
    expect((patch.flags as FlagMap)['new-checkout']!.on).toBe(false);
  });
});
