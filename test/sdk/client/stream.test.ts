import { afterEach, describe, expect, it } from 'vitest';
import { createClient, type FlagsClient } from '../../../sdk/src/client/index.ts';
import type { ClientOptions } from '../../../sdk/src/client/types.ts';
import { silentLogger } from '../../helpers/silent-logger.ts';
import { booleanFlag, ProtocolServer, segment, snapshotOf } from './protocol-server.ts';

const user = { key: 'user-42', email: 'ana@ourcompany.com' };
const fast = { initialDelayMs: 20, maxDelayMs: 100, stableAfterMs: 50 };
let servers: ProtocolServer[] = [];
let clients: FlagsClient[] = [];

afterEach(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await Promise.all(servers.map((s) => s.close()));
  clients = [];
  servers = [];
});

async function start(snapshot = snapshotOf(1, [booleanFlag('new-checkout', false), booleanFlag('other', true)]), heartbeatMs?: number) {
  const server = await ProtocolServer.start({ snapshot, ...(heartbeatMs ? { heartbeatMs } : {}) });
  servers.push(server);
  return server;
}

function client(server: ProtocolServer, options: Partial<ClientOptions> = {}) {
  const c = createClient({ url: server.url, sdkKey: 'sdk-key', reconnect: fast, logger: silentLogger, ...options });
  clients.push(c);
  return c;
}

function record(c: FlagsClient) {
  const changes: string[][] = [];
  const errors: Error[] = [];
  c.on('change', (keys) => changes.push(keys));
  c.on('error', (err) => errors.push(err));
  return { changes, errors };
}

describe('SDK client over the stream', () => {
  it('gets the snapshot, sends the key only in the Authorization header, and evaluates synchronously', async () => {
    const server = await start();
    const flags = client(server);
    expect(flags.status).toBe('connecting');
    expect(flags.isEnabled('other', user)).toBe(false);
    expect(await flags.ready()).toBe(true);

    expect(flags.status).toBe('streaming');
    expect(flags.version).toBe(1);
    expect(flags.isEnabled('other', user)).toBe(true);
    expect(flags.isEnabled('new-checkout', user)).toBe(false);
    const [connection] = server.connections;
    expect(connection!.url).toBe('/sdk/stream');
    expect(connection!.headers.authorization).toBe('Bearer sdk-key');
    expect(connection!.headers['x-switchyard-version']).toBeUndefined();
  });

  it('applies patches and emits exactly the changed keys, including flags using a changed segment', async () => {
    const usesBeta = booleanFlag('beta-only', false, 1, {
      on: true,
      fallthrough: { variation: 0 },
      rules: [{ id: 'r', clauses: [{ attribute: '', op: 'segmentMatch', values: ['beta'] }], variation: 1 }],
    });
    const server = await start(
      snapshotOf(1, [booleanFlag('new-checkout', false), booleanFlag('other', true), usesBeta], [segment('beta', [])]),
    );
    const flags = client(server);
    const { changes } = record(flags);
    await flags.ready();

    server.change({ flags: { 'new-checkout': booleanFlag('new-checkout', true, 2) } });
    await server.waitFor(() => changes.length === 1);
    expect(changes[0]).toEqual(['new-checkout']);
    expect(flags.isEnabled('new-checkout', user)).toBe(true);
    expect(flags.version).toBe(2);

    expect(flags.isEnabled('beta-only', user)).toBe(false);
    server.change({ segments: { beta: segment('beta', ['user-42'], 2) } });
    await server.waitFor(() => changes.length === 2);
    expect(changes[1]).toEqual(['beta-only']);
    expect(flags.isEnabled('beta-only', user)).toBe(true);

    server.change({ flags: { other: null } });
    await server.waitFor(() => changes.length === 3);
    expect(changes[2]).toEqual(['other']);
    expect(flags.evaluate('other', user).reason).toEqual({ kind: 'ERROR', errorKind: 'FLAG_NOT_FOUND' });
  });

  it('ignores patches it already has, and on a gap asks for a resync without false change events', async () => {
    const server = await start();
    const flags = client(server);
    const { changes } = record(flags);
    await flags.ready();

    server.sendAll({ type: 'patch', fromVersion: 0, version: 1, flags: { other: booleanFlag('other', false, 9) }, segments: {} });
    server.change({ flags: { other: booleanFlag('other', false, 2) } }, false);
    server.change({ flags: { 'new-checkout': booleanFlag('new-checkout', true, 2) } });
    // the client is at 1 and sees the patch (2, 3]: a gap
    await server.waitFor(() => changes.length === 1);
    expect(server.connections[0]!.received).toContainEqual({ type: 'resync' });
    expect(changes).toEqual([['new-checkout', 'other']]);
    expect(flags.version).toBe(3);

    server.sendAll({ type: 'snapshot', snapshot: server.state });
    server.sendAll({ type: 'patch', fromVersion: 3, version: 3, flags: {}, segments: {} });
    await new Promise((r) => setTimeout(r, 100));
    expect(changes).toHaveLength(1);
  });

  it('resumes with X-Switchyard-Version after a drop and gets the three changes it missed in one change event', async () => {
    const server = await start();
    const flags = client(server);
    const { changes } = record(flags);
    await flags.ready();

    server.refuseUpgradesWith = 503;
    server.failSnapshotWith = 503;
    server.dropAll();
    await server.waitFor(() => flags.status === 'offline');
    server.change({ flags: { 'new-checkout': booleanFlag('new-checkout', true, 2) } });
    server.change({ flags: { extra: booleanFlag('extra', true) } });
    server.change({ flags: { 'new-checkout': booleanFlag('new-checkout', true, 3), other: booleanFlag('other', false, 2) } });
    expect(flags.isEnabled('other', user)).toBe(true);
    server.refuseUpgradesWith = undefined;

    await server.waitFor(() => flags.status === 'streaming' && flags.version === 4);
    expect(changes).toEqual([['extra', 'new-checkout', 'other']]);
    const resumed = server.connections.at(-1)!;
    expect(resumed.headers['x-switchyard-version']).toBe('1');
    expect(flags.allFlags(user)).toEqual({ 'new-checkout': true, other: false, extra: true });

    // a resume where nothing changed emits nothing
    server.dropAll();
    await server.waitFor(() => server.open().length === 1 && server.connections.length === 3);
    await server.waitFor(() => flags.status === 'streaming');
    await new Promise((r) => setTimeout(r, 50));
    expect(server.connections.at(-1)!.headers['x-switchyard-version']).toBe('4');
    expect(changes).toHaveLength(1);
  });

  const bootstrapTitle =
    'starts from a bootstrap, then asks for the full snapshot (a bootstrap version is not resumed) and emits only real differences';
  it(bootstrapTitle, async () => {
    const server = await start(snapshotOf(1, [booleanFlag('new-checkout', true, 2), booleanFlag('other', true)]));
    const bootstrap = snapshotOf(1, [booleanFlag('new-checkout', false, 1), booleanFlag('other', true)]);
    const flags = client(server, { bootstrap });
    const { changes } = record(flags);
    expect(flags.isEnabled('new-checkout', user)).toBe(false);
    await server.waitFor(() => changes.length === 1);
    expect(changes[0]).toEqual(['new-checkout']);
    expect(server.connections[0]!.headers['x-switchyard-version']).toBeUndefined();
    expect(flags.isEnabled('new-checkout', user)).toBe(true);
  });

  it('answers pings with the same t, and reconnects when the server goes silent for 2 heartbeats + 5 s', { timeout: 15_000 }, async () => {
    const server = await start(undefined, 50);
    const flags = client(server, { heartbeatMs: 50 });
    await flags.ready();
    await server.waitFor(() => server.connections[0]!.received.some((m) => (m as { type: string }).type === 'pong'));
    const pong = server.connections[0]!.received.find((m) => (m as { type: string }).type === 'pong') as { t: number };
    expect(server.sentPings).toContain(pong.t);

    server.pings = false;
    const silentSince = Date.now();
    await server.waitFor(() => server.connections.length === 2, 10_000);
    const waited = Date.now() - silentSince;
    expect(waited).toBeGreaterThanOrEqual(5000);
    expect(waited).toBeLessThan(8000);
    expect(server.connections[0]!.socket.readyState).not.toBe(server.connections[0]!.socket.OPEN);
  });

  it.each([4401, 4403])('stops for good on close code %i, reports it, and keeps serving the last rules', async (code) => {
    const server = await start(snapshotOf(1, [booleanFlag('other', true)]));
    const flags = client(server);
    const { errors } = record(flags);
    await flags.ready();

    server.closeAll(code, 'revoked');
    await server.waitFor(() => errors.length === 1);
    expect(errors[0]!.message).toMatch(code === 4403 ? /revoked/ : /refused/);
    expect(flags.keyRejected).toBe(true);
    expect(flags.status).toBe('offline');
    await new Promise((r) => setTimeout(r, 300));
    expect(server.connections).toHaveLength(1);
    expect(server.httpRequests).toHaveLength(0);
    expect(flags.isEnabled('other', user)).toBe(true);
  });

  it("tells the application why the key was refused, in the server's words", async () => {
    const server = await start();
    const flags = client(server);
    const { errors } = record(flags);
    await flags.ready();

    server.closeAll(4401, 'the stream needs a server SDK key, not a client key');
    await server.waitFor(() => errors.length === 1);
    expect(errors[0]!.message).toBe(
      'the SDK key was refused by the server (the stream needs a server SDK key, not a client key); the stream will not reconnect',
    );
    expect(errors[0]).toMatchObject({ name: 'StreamError', code: 4401, reason: 'the stream needs a server SDK key, not a client key' });
  });

  it('waits as long as a 4429 says before reconnecting, and is not stopped by it', async () => {
    const server = await start();
    const flags = client(server);
    const { errors } = record(flags);
    await flags.ready();

    server.closeAll(4429, 'too many failed authentications from this address; retry in 1 s');
    const closedAt = Date.now();
    await server.waitFor(() => server.connections.length === 2, 3000);
    expect(Date.now() - closedAt).toBeGreaterThanOrEqual(1000); // not the 20-100 ms of its backoff
    expect(errors[0]).toMatchObject({ code: 4429, reason: 'too many failed authentications from this address; retry in 1 s' });
    expect(errors[0]!.message).toContain('retry in 1 s');
    expect(flags.keyRejected).toBe(false);
    await server.waitFor(() => flags.status === 'streaming');
  });

  it('reconnects with growing, jittered delays while the stream is refused', async () => {
    const server = await start();
    server.refuseUpgradesWith = 503;
    server.failSnapshotWith = 503;
    const attempts: number[] = [];
    const flags = client(server, { reconnect: { initialDelayMs: 40, maxDelayMs: 160, stableAfterMs: 50 } });
    flags.on('error', (err) => {
      if (err.message.startsWith('stream')) attempts.push(Date.now());
    });
    await server.waitFor(() => attempts.length >= 12, 5000);
    const gaps = attempts.slice(1).map((t, i) => t - attempts[i]!);
    expect(Math.max(...gaps)).toBeLessThan(500); // capped: uncapped doubling would be past 40 s by now
    const late = gaps.slice(4);
    expect(new Set(late.map((g) => Math.round(g / 10))).size).toBeGreaterThan(1);
    expect(flags.status).toBe('offline');
  });
});
