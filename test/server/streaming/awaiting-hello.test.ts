/**
 * Sockets that have not presented a key cost their sender nothing and the server memory: how many may
 * wait for their hello (per address and in all), how long, and what closes them.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { StreamingOptions } from '../../../server/src/streaming/plugin.ts';
import type { TestApp } from '../../helpers/app.ts';
import { until } from '../../helpers/wait.ts';
import { type Replica, StreamClient, startStreamingApp } from './stream-kit.ts';

const servers: Replica[] = [];
let open: StreamClient[] = [];
afterEach(() => {
  for (const client of open) client.close();
  open = [];
});
afterAll(async () => {
  for (const server of servers) await server.close();
});

async function start(streaming: Partial<StreamingOptions> = {}): Promise<{ t: TestApp; server: Replica }> {
  // Failed authentications are limited elsewhere (auth-rate-limit.test.ts): here every refusal is a 4401.
  const { t, replica } = await startStreamingApp({ redis: false, streaming, authRateLimit: { maxFailures: 1_000_000 } });
  servers.push(replica);
  return { t, server: replica };
}

async function connect(server: Replica, options: Parameters<typeof StreamClient.connect>[1] = {}): Promise<StreamClient> {
  const client = await StreamClient.connect(server.wsUrl, options);
  open.push(client);
  return client;
}

/** The close, or 'open' when the socket is still open after `ms`. */
async function closedWithin(client: StreamClient, ms: number): Promise<{ code: number; reason: string } | 'open'> {
  return Promise.race([client.closed, new Promise<'open'>((resolve) => setTimeout(() => resolve('open'), ms))]);
}

describe('sockets awaiting their hello', () => {
  it('lets 20 wait per address by default and closes the 21st at once with 4429, while sockets with a key still connect', async () => {
    const { t, server } = await start({ helloTimeoutMs: 10_000 });
    const serverKey = await t.createToken('server', 'production');
    const waiting: StreamClient[] = [];
    for (let i = 0; i < 20; i++) waiting.push(await connect(server));
    const extra = await connect(server);
    expect(await closedWithin(extra, 500)).toEqual({ code: 4429, reason: 'too many connections awaiting hello from this address' });
    for (const client of waiting) expect(client.socket.readyState).toBe(client.socket.OPEN);

    const keyed = await connect(server, { key: serverKey });
    expect((await keyed.next()).type).toBe('snapshot');

    // A socket that says hello no longer waits: its place is free again.
    waiting[0]!.send({ type: 'hello', sdkKey: serverKey });
    expect((await waiting[0]!.next()).type).toBe('snapshot');
    const next = await connect(server);
    expect(await closedWithin(next, 300)).toBe('open');
  });

  it('closes a socket that says nothing within 2 s by default, with 4401', async () => {
    const { server } = await start();
    const started = Date.now();
    const silent = await connect(server);
    expect(await silent.closed).toEqual({ code: 4401, reason: 'no hello in time' });
    expect(Date.now() - started).toBeLessThan(2500);
  });

  it('closes the socket beyond the limit over all addresses with 1013', async () => {
    const { server } = await start({ maxAwaitingHelloPerAddress: 2, maxAwaitingHello: 3 });
    await connect(server, { localAddress: '127.0.0.1' });
    await connect(server, { localAddress: '127.0.0.1' });
    const third = await connect(server, { localAddress: '127.0.0.2' });
    const fourth = await connect(server, { localAddress: '127.0.0.3' });
    expect(await closedWithin(fourth, 500)).toEqual({ code: 1013, reason: 'too many connections awaiting hello' });
    third.close();
    await until('the server saw the close', () => server.app.streamHub.connectionCount === 2);
    expect(await closedWithin(await connect(server, { localAddress: '127.0.0.3' }), 300)).toBe('open');
  });

  it('closes at once, with 4401, a socket whose first message is not a hello', async () => {
    const { server } = await start({ helloTimeoutMs: 5_000 });
    for (const first of [{ type: 'ping', t: 1 }, { type: 'hello' }, { type: 'hello', sdkKey: 42 }, 'not json']) {
      const client = await connect(server);
      client.socket.send(typeof first === 'string' ? first : JSON.stringify(first));
      expect(await closedWithin(client, 1000), JSON.stringify(first)).toEqual({
        code: 4401,
        reason: 'the first message must be a hello with an SDK key',
      });
    }
    const binary = await connect(server);
    binary.socket.send(Buffer.from([1, 2, 3]));
    expect(await closedWithin(binary, 1000)).toMatchObject({ code: 4401 });
  });
});
