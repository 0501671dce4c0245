import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createClient, type FlagsClient } from '../../../sdk/src/client/index.ts';
import type { ClientOptions } from '../../../sdk/src/client/types.ts';
import { silentLogger } from '../../helpers/silent-logger.ts';
import { booleanFlag, ProtocolServer, snapshotOf } from './protocol-server.ts';

const user = { key: 'user-42' };
const copy = {
  key: 'checkout-copy',
  kind: 'string' as const,
  variations: ['Buy now', 'Order'],
  salt: 's',
  version: 1,
  clientSideAvailable: true,
  on: true,
  offVariation: 0,
  fallthrough: { variation: 1 },
  targets: [],
  rules: [],
  prerequisites: [],
};
const rules = snapshotOf(7, [booleanFlag('new-checkout', true), copy]);

let dir: string;
let servers: ProtocolServer[] = [];
let clients: FlagsClient[] = [];
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'switchyard-client-'));
});
afterEach(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await Promise.all(servers.map((s) => s.close()));
  clients = [];
  servers = [];
  await rm(dir, { recursive: true, force: true });
});

function client(options: ClientOptions) {
  const c = createClient({ logger: silentLogger, reconnect: { initialDelayMs: 20, maxDelayMs: 100 }, ...options });
  clients.push(c);
  return c;
}

async function server(snapshot = rules) {
  const s = await ProtocolServer.start({ snapshot });
  servers.push(s);
  return s;
}

/** A URL where nothing listens (a server started and stopped). */
async function deadUrl() {
  const s = await ProtocolServer.start({ snapshot: rules });
  const url = s.url;
  await s.close();
  return url;
}

describe('SDK client without the stream', () => {
  it('polls /sdk/snapshot with If-None-Match while the stream is refused, and picks up changes', async () => {
    const s = await server();
    s.refuseUpgradesWith = 503;
    const flags = client({ url: s.url, sdkKey: 'sdk-key', pollIntervalMs: 50 });
    const changes: string[][] = [];
    flags.on('change', (keys) => changes.push(keys));
    expect(await flags.ready()).toBe(true);
    expect(flags.status).toBe('polling');
    expect(flags.isEnabled('new-checkout', user)).toBe(true);

    await s.waitFor(() => s.httpRequests.filter((r) => r.status === 304).length >= 2);
    const conditional = s.httpRequests.find((r) => r.status === 304)!;
    expect(conditional.headers['if-none-match']).toBe('"7"');
    expect(conditional.headers.authorization).toBe('Bearer sdk-key');

    s.change({ flags: { 'new-checkout': booleanFlag('new-checkout', false, 2) } }, false);
    await s.waitFor(() => changes.length === 1);
    expect(changes[0]).toEqual(['new-checkout']);
    expect(flags.isEnabled('new-checkout', user)).toBe(false);

    s.refuseUpgradesWith = undefined;
    await s.waitFor(() => flags.status === 'streaming');
    const polls = s.httpRequests.length;
    await new Promise((r) => setTimeout(r, 200));
    expect(s.httpRequests.length).toBe(polls);
  });

  it('only polls with streaming: false, and stops when the key is refused', async () => {
    const s = await server();
    const flags = client({ url: s.url, sdkKey: 'sdk-key', streaming: false, pollIntervalMs: 30 });
    expect(await flags.ready()).toBe(true);
    expect(s.connections).toHaveLength(0);

    const refused = client({ url: s.url, sdkKey: 'wrong-key', streaming: false, pollIntervalMs: 30 });
    const errors: Error[] = [];
    refused.on('error', (err) => errors.push(err));
    expect(await refused.ready()).toBe(false);
    await new Promise((r) => setTimeout(r, 150));
    expect(s.httpRequests.filter((r) => r.headers.authorization === 'Bearer wrong-key')).toHaveLength(1);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).not.toContain('wrong-key');
    expect(refused.keyRejected).toBe(true);
  });

  it('ready() resolves false on timeout when nothing answers, never rejects, and false after close()', async () => {
    const flags = client({ url: await deadUrl(), sdkKey: 'sdk-key' });
    const started = Date.now();
    expect(await flags.ready(200)).toBe(false);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(flags.status).toBe('offline');
    expect(flags.isEnabled('new-checkout', user)).toBe(false);
    expect(flags.evaluate('new-checkout', user, false)).toEqual({
      value: false,
      variationIndex: null,
      reason: { kind: 'ERROR', errorKind: 'CLIENT_NOT_READY' },
    });
    const pending = flags.ready(60_000);
    await flags.close();
    expect(await pending).toBe(false);
    expect(await flags.ready()).toBe(false);
    expect(flags.status).toBe('closed');
  });

  it('starts from a bootstrap object or file with no network at all', async () => {
    const fromObject = client({ bootstrap: rules });
    expect(await fromObject.ready()).toBe(true);
    expect(fromObject.status).toBe('offline');
    expect(fromObject.isEnabled('new-checkout', user)).toBe(true);
    expect(fromObject.variation('checkout-copy', user, 'Buy now')).toBe('Order');

    const file = join(dir, 'flags.json');
    await writeFile(file, JSON.stringify(rules));
    const fromFile = client({ bootstrap: { file } });
    expect(fromFile.version).toBe(7);
    expect(fromFile.allFlags(user)).toEqual({ 'new-checkout': true, 'checkout-copy': 'Order' });

    const errors: Error[] = [];
    const broken = client({ bootstrap: { file: join(dir, 'missing.json') } });
    broken.on('error', (err) => errors.push(err));
    await new Promise((r) => setImmediate(r));
    expect(errors[0]!.message).toMatch(/bootstrap ignored/);
    expect(broken.variation('checkout-copy', user, 'Buy now')).toBe('Buy now');
  });

  it('keeps an atomically written copy on disk and serves it after a restart during an outage', async () => {
    const s = await server();
    const persistPath = join(dir, 'cache', 'snapshot.json');
    const first = client({ url: s.url, sdkKey: 'sdk-key', persistPath, persistDebounceMs: 20 });
    await first.ready();
    s.change({ flags: { 'new-checkout': booleanFlag('new-checkout', false, 2) } });
    await s.waitFor(() => first.version === s.state.version);
    await first.close();
    const onDisk = JSON.parse(await readFile(persistPath, 'utf8'));
    expect(onDisk.snapshot.version).toBe(s.state.version);
    expect(JSON.stringify(onDisk)).not.toContain('sdk-key');
    expect(await readdir(join(dir, 'cache'))).toEqual(['snapshot.json']);

    const url = await deadUrl();
    const restarted = client({ url, sdkKey: 'sdk-key', persistPath });
    expect(restarted.version).toBe(s.state.version);
    expect(restarted.isEnabled('new-checkout', user)).toBe(false);
    expect(restarted.variation('checkout-copy', user, 'Buy now')).toBe('Order');
    expect(await restarted.ready(100)).toBe(false);

    const otherKey = client({ url, sdkKey: 'another-environment-key', persistPath });
    expect(otherKey.version).toBeUndefined();
    expect(otherKey.isEnabled('new-checkout', user)).toBe(false);

    // back online: it resumes from the persisted version, and the server saying "current" makes it ready without change events
    const resumed = client({ url: s.url, sdkKey: 'sdk-key', persistPath });
    const changes: string[][] = [];
    resumed.on('change', (keys) => changes.push(keys));
    expect(await resumed.ready()).toBe(true);
    expect(s.connections.at(-1)!.headers['x-switchyard-version']).toBe(String(s.state.version));
    expect(changes).toEqual([]);
  });

  it('never throws from evaluation, whatever it is given', async () => {
    const flags = client({ bootstrap: rules });
    const hostile = new Proxy(
      {},
      {
        get: () => {
          throw new Error('boom');
        },
        ownKeys: () => {
          throw new Error('boom');
        },
      },
    );
    const garbage: unknown[] = [undefined, null, 42, 'str', [], {}, hostile, Symbol('s'), () => 1, { key: 5 }, { key: '' }];
    for (const a of garbage) {
      for (const b of garbage) {
        expect(() => flags.isEnabled(a as string, b as { key: string })).not.toThrow();
        expect(() => flags.variation(a as string, b as { key: string }, 'x')).not.toThrow();
        expect(() => flags.evaluate(a as string, b as { key: string })).not.toThrow();
        expect(() => flags.allFlags(b as { key: string })).not.toThrow();
      }
    }
    expect(flags.variation('new-checkout', hostile as { key: string }, 'fallback')).toBe('fallback');
    expect(flags.evaluate('new-checkout', { key: '' }, false).reason).toEqual({ kind: 'ERROR', errorKind: 'USER_NOT_SPECIFIED' });
  });

  it('gives the default for unknown flags and values of another type', () => {
    const flags = client({ bootstrap: rules });
    expect(flags.variation('checkout-copy', user, 'Buy now')).toBe('Order');
    expect(flags.variation('checkout-copy', user, 3)).toBe(3);
    expect(flags.variationDetail('checkout-copy', user, true).reason).toEqual({ kind: 'ERROR', errorKind: 'WRONG_TYPE' });
    expect(flags.variation('missing', user, 'dflt')).toBe('dflt');
    expect(flags.isEnabled('checkout-copy', user)).toBe(false);
    expect(flags.evaluate('new-checkout', user)).toEqual({ value: true, variationIndex: 1, reason: { kind: 'FALLTHROUGH' } });
  });

  it('leaves no timers or sockets behind after close(), so the process can exit', async () => {
    const s = await server();
    const count = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout' || r === 'TCPSocketWrap').length;
    const before = count();
    const flags = client({ url: s.url, sdkKey: 'sdk-key', persistPath: join(dir, 'p.json'), heartbeatMs: 1000 });
    await flags.ready();
    expect(count()).toBeGreaterThan(before);
    await flags.close();
    await s.waitFor(() => count() <= before);
    expect(count()).toBeLessThanOrEqual(before);
  });
});
