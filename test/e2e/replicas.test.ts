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

/** Real HTTP to a replica (not inject): what a client sees, over the network. */
function call(replica: Replica, method: string, path: string, token: string, body?: unknown): Promise<Response> {
  return fetch(`${replica.baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
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

  it('cuts a deleted environment off at once on every replica: its keys get 401 and its streams close with 4401', async () => {
    const admin = t.adminToken;
    expect((await call(a, 'POST', '/api/environments', admin, { key: 'doomed', name: 'Doomed' })).status).toBe(201);
    const doomedServerKey = await t.createToken('server', 'doomed');
    const doomedClientKey = await t.createToken('client', 'doomed');
    const evaluate = () => call(b, 'POST', '/sdk/evaluate', doomedClientKey, { context: { key: 'u' } });
    // Replica B knows both keys, and holds the environment's snapshot and an evaluation in its caches.
    expect((await call(b, 'GET', '/sdk/snapshot', doomedServerKey)).status).toBe(200);
    expect((await evaluate()).status).toBe(200);
    expect((await evaluate()).headers.get('x-switchyard-cache')).toBe('hit');
    const streams = [
      await StreamClient.connect(a.wsUrl, { key: doomedServerKey }),
      await StreamClient.connect(b.wsUrl, { key: doomedServerKey }),
    ];
    clients.push(...streams);
    for (const stream of streams) await stream.next('snapshot');

    expect((await call(a, 'DELETE', '/api/environments/doomed', admin)).status).toBe(204);
    const deletedAt = Date.now();
    const snapshot = await call(b, 'GET', '/sdk/snapshot', doomedServerKey);
    expect(snapshot.status).toBe(401);
    expect(await snapshot.json()).toMatchObject({ error: 'unauthorized' });
    expect((await evaluate()).status).toBe(401);
    for (const stream of streams) expect(await stream.closed).toEqual({ code: 4401, reason: 'environment no longer exists' });
    expect(Date.now() - deletedAt).toBeLessThan(1000); // the heartbeat safety net is 15 s away
    const again = await StreamClient.connect(b.wsUrl, { key: doomedServerKey });
    expect((await again.closed).code).toBe(4401);
  });

  it('serves a re-created environment of the same key its own rules, never what was cached for the deleted one', async () => {
    const admin = t.adminToken;
    await createFlag(t, 'phoenix-a', { clientSideAvailable: true });
    await createFlag(t, 'phoenix-b', { clientSideAvailable: true });
    const flagsOn = async (res: Response) => {
      expect(res.status).toBe(200);
      const body = (await res.json()) as { version: number; flags: Record<string, { on?: boolean; value?: boolean }> };
      return { version: body.version, on: Object.fromEntries(Object.entries(body.flags).map(([k, f]) => [k, f.on ?? f.value])) };
    };
    const read = async (server: string, client: string) => ({
      snapshot: await flagsOn(await call(b, 'GET', '/sdk/snapshot', server)),
      evaluation: await flagsOn(
        await call(b, 'POST', '/sdk/evaluate', client, { context: { key: 'u' }, flags: ['phoenix-a', 'phoenix-b'] }),
      ),
    });

    expect((await call(a, 'POST', '/api/environments', admin, { key: 'phoenix', name: 'Phoenix' })).status).toBe(201);
    await toggle(t, 'phoenix-a', 'phoenix', true);
    const before = await read(await t.createToken('server', 'phoenix'), await t.createToken('client', 'phoenix'));
    expect(before.snapshot).toMatchObject({ version: 1, on: { 'phoenix-a': true, 'phoenix-b': false } });
    expect(before.evaluation).toEqual({ version: 1, on: { 'phoenix-a': true, 'phoenix-b': false } });

    expect((await call(a, 'DELETE', '/api/environments/phoenix', admin)).status).toBe(204);
    expect((await call(a, 'POST', '/api/environments', admin, { key: 'phoenix', name: 'Phoenix again' })).status).toBe(201);
    await toggle(t, 'phoenix-b', 'phoenix', true); // version 1 again, with other rules
    const after = await read(await t.createToken('server', 'phoenix'), await t.createToken('client', 'phoenix'));
    expect(after.snapshot).toMatchObject({ version: 1, on: { 'phoenix-a': false, 'phoenix-b': true } });
    expect(after.evaluation).toEqual({ version: 1, on: { 'phoenix-a': false, 'phoenix-b': true } });
  });
});
