import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../../helpers/app.ts';
import { createFlag, environmentVersion, type Replica, StreamClient, type StreamMessage, startStreamingApp, toggle } from './stream-kit.ts';

type Snapshot = {
  environment: string;
  version: number;
  flags: Record<string, { on: boolean; version: number }>;
  segments: Record<string, unknown>;
};
const snapshotOf = (m: StreamMessage) => m.snapshot as Snapshot;

describe('websocket stream /sdk/stream', () => {
  let t: TestApp;
  let server: Replica;
  let serverKey: string;
  const open: StreamClient[] = [];
  const connect = async (options: Parameters<typeof StreamClient.connect>[1] = {}) => {
    const client = await StreamClient.connect(server.wsUrl, { key: serverKey, ...options });
    open.push(client);
    return client;
  };

  beforeAll(async () => {
    ({ t, replica: server } = await startStreamingApp({ streaming: { maxConnectionsPerKey: 3 } }));
    serverKey = await t.createToken('server', 'production');
    await createFlag(t, 'new-checkout');
    await createFlag(t, 'dark-mode');
  });
  afterAll(async () => {
    for (const client of open) client.close();
    await server?.close();
  });

  it('sends the full snapshot first, then a patch with the new version after a toggle', async () => {
    const client = await connect();
    const first = await client.next();
    expect(first.type).toBe('snapshot');
    const snapshot = snapshotOf(first);
    expect(snapshot.environment).toBe('production');
    expect(snapshot.version).toBe(await environmentVersion(t, 'production'));
    expect(Object.keys(snapshot.flags).sort()).toEqual(['dark-mode', 'new-checkout']);
    expect(snapshot.flags['new-checkout']).toMatchObject({ key: 'new-checkout', on: false, variations: [true, false] });

    await toggle(t, 'new-checkout', 'production', true);
    const patch = await client.next('patch');
    expect(patch).toMatchObject({ fromVersion: snapshot.version, version: snapshot.version + 1, segments: {} });
    expect(Object.keys(patch.flags as object)).toEqual(['new-checkout']);
    expect((patch.flags as Snapshot['flags'])['new-checkout']).toMatchObject({ on: true });
    expect((patch.flags as Snapshot['flags'])['new-checkout']!.version).toBeGreaterThan(snapshot.flags['new-checkout']!.version);
    client.close();
  });

  it('authenticates with a hello message instead of the header, resuming from its version', async () => {
    const version = await environmentVersion(t, 'production');
    const client = await connect({ hello: true, version });
    expect(await client.next()).toEqual({ type: 'patch', fromVersion: version, version, flags: {}, segments: {} });
    client.close();
  });

  it('gives a client that reconnects after three changes one patch covering exactly them', async () => {
    const client = await connect();
    const { version } = snapshotOf(await client.next('snapshot'));
    client.close();
    await client.closed;

    await toggle(t, 'dark-mode', 'production', true);
    await toggle(t, 'new-checkout', 'production', false);
    await toggle(t, 'dark-mode', 'production', false);

    const resumed = await connect({ version });
    const patch = await resumed.next();
    expect(patch.type).toBe('patch');
    expect(patch).toMatchObject({ fromVersion: version, version: version + 3 });
    const flags = patch.flags as Snapshot['flags'];
    expect(Object.keys(flags).sort()).toEqual(['dark-mode', 'new-checkout']);
    expect(flags['dark-mode']!.on).toBe(false);
    expect(flags['new-checkout']!.on).toBe(false);
    expect(await resumed.quietFor(200)).toEqual([]);
    resumed.close();
  });

  it('answers a version it cannot patch from (ahead of the server) with a snapshot', async () => {
    const client = await connect({ version: 1_000_000 });
    const first = await client.next();
    expect(first.type).toBe('snapshot');
    expect(snapshotOf(first).version).toBe(await environmentVersion(t, 'production'));
    client.close();
  });

  it('answers resync with a full snapshot', async () => {
    const client = await connect();
    await client.next('snapshot');
    client.send({ type: 'resync' });
    const again = await client.next();
    expect(again.type).toBe('snapshot');
    expect(snapshotOf(again).version).toBe(await environmentVersion(t, 'production'));
    client.close();
  });

  it('answers a client ping with a pong carrying the same t, and ignores unknown messages', async () => {
    const client = await connect();
    await client.next('snapshot');
    client.send({ type: 'nonsense' });
    client.socket.send('not json');
    client.send({ type: 'ping', t: 12345 });
    expect(await client.next()).toEqual({ type: 'pong', t: 12345 });
    client.close();
  });

  it('delivers to a server key only the changes of its own environment', async () => {
    const stagingKey = await t.createToken('server', 'staging');
    const staging = await connect({ key: stagingKey });
    expect(snapshotOf(await staging.next('snapshot')).environment).toBe('staging');
    const production = await connect();
    await production.next('snapshot');

    await toggle(t, 'dark-mode', 'production', true);
    await production.next('patch');
    expect(await staging.quietFor(300)).toEqual([]);
    staging.close();
    production.close();
  });

  it('refuses client keys, admin tokens, unknown keys and silence with 4401', async () => {
    const clientKey = await t.createToken('client', 'production');
    for (const key of [clientKey, t.adminToken, 'sy_server_unknown']) {
      const refused = await connect({ key });
      expect((await refused.closed).code).toBe(4401);
      expect(refused.messages).toEqual([]);
    }
    const viaHello = await connect({ key: clientKey, hello: true });
    expect((await viaHello.closed).code).toBe(4401);
  });

  it('closes a connection that sends a message over 64 KiB with 1009', async () => {
    const client = await connect();
    await client.next('snapshot');
    client.send({ type: 'ping', t: 1, padding: 'x'.repeat(65 * 1024) });
    expect((await client.closed).code).toBe(1009);
  });

  it('refuses connections beyond the per-key limit with 4409', async () => {
    const key = await t.createToken('server', 'production', 'limited');
    const clients = [await connect({ key }), await connect({ key }), await connect({ key })];
    for (const c of clients) await c.next('snapshot');
    const fourth = await connect({ key });
    expect((await fourth.closed).code).toBe(4409);
    clients[0]!.close();
    await clients[0]!.closed;
    const again = await connect({ key });
    await again.next('snapshot');
    for (const c of [...clients, again]) c.close();
  });

  it('disconnects a revoked key within a second (4403) and refuses it afterwards', async () => {
    const key = await t.createToken('server', 'production', 'to-revoke');
    const client = await connect({ key });
    await client.next('snapshot');
    const token = await t.db.prisma.apiToken.findFirstOrThrow({ where: { name: 'to-revoke' } });
    const started = Date.now();
    const res = await t.request('DELETE', `/api/tokens/${token.id}`);
    expect(res.statusCode).toBe(200);
    expect((await client.closed).code).toBe(4403);
    expect(Date.now() - started).toBeLessThan(1000);
    expect((await (await connect({ key })).closed).code).toBe(4401);
  });

  it('answers a plain GET (no upgrade) with 426', async () => {
    const res = await t.request('GET', '/sdk/stream', { token: serverKey });
    expect(res.statusCode).toBe(426);
  });
});

describe('stream heartbeats and the hello deadline', () => {
  let t: TestApp;
  let server: Replica;
  let serverKey: string;

  beforeAll(async () => {
    ({ t, replica: server } = await startStreamingApp({ redis: false, streaming: { heartbeatIntervalMs: 150, helloTimeoutMs: 300 } }));
    serverKey = await t.createToken('server', 'production');
  });
  afterAll(async () => server?.close());

  it('pings every interval and keeps a client that answers', async () => {
    const client = await StreamClient.connect(server.wsUrl, { key: serverKey, answerPings: true });
    await client.next('snapshot', 1000);
    expect(client.messages[0]!.type).toBe('snapshot'); // never a ping before the first state
    const ping = await client.next('ping', 1000);
    expect(typeof ping.t).toBe('number');
    await new Promise((r) => setTimeout(r, 700));
    expect(client.socket.readyState).toBe(client.socket.OPEN);
    client.close();
  });

  it('drops a client that stops answering for two intervals', async () => {
    const client = await StreamClient.connect(server.wsUrl, { key: serverKey });
    await client.next('snapshot');
    const { code } = await client.closed;
    expect(code).toBe(1006); // terminated: a dead peer gets no close frame
  });

  it('closes with 4401 when no hello arrives in time', async () => {
    const client = await StreamClient.connect(server.wsUrl);
    expect((await client.closed).code).toBe(4401);
  });
});
