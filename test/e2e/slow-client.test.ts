import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../helpers/app.ts';
import { createFlag, type Replica, StreamClient, startStreamingApp, toggle } from '../server/streaming/stream-kit.ts';

const waitUntil = async (condition: () => boolean, timeoutMs: number) => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('a stuck client', () => {
  let t: TestApp;
  let server: Replica;
  let serverKey: string;

  beforeAll(async () => {
    ({ t, replica: server } = await startStreamingApp({ redis: false, streaming: { maxBufferedBytes: 256 * 1024 } }));
    serverKey = await t.createToken('server', 'production');
    await createFlag(t, 'big');
    await createFlag(t, 'new-checkout');
    // About 450 KB of targets, so that each snapshot is large.
    const values = Array.from({ length: 10_000 }, () => `user-${randomUUID()}`);
    const res = await t.request('PATCH', '/api/flags/big/environments/production', { body: { targets: [{ variation: 0, values }] } });
    expect(res.statusCode).toBe(200);
  });
  afterAll(async () => server?.close());

  it('is dropped once its send buffer is over the limit, while the others keep receiving promptly', async () => {
    const healthy = await StreamClient.connect(server.wsUrl, { key: serverKey });
    await healthy.next('snapshot');

    const stuck = await StreamClient.connect(server.wsUrl, { key: serverKey });
    await stuck.next('snapshot');
    const tcp = (stuck.socket as unknown as { _socket: Socket })._socket;
    tcp.pause(); // never reads again: the kernel buffers fill, then the server's
    expect(server.app.streamHub.connectionCount).toBe(2);

    // Each resync asks for a ~450 KB snapshot that the stuck client will never read.
    for (let i = 0; i < 80 && server.app.streamHub.connectionCount === 2; i++) {
      stuck.send({ type: 'resync' });
      await new Promise((r) => setTimeout(r, 10));
    }
    await waitUntil(() => server.app.streamHub.connectionCount === 1, 5000);

    const started = Date.now();
    await toggle(t, 'new-checkout', 'production', true);
    const patch = await healthy.next('patch', 2000);
    expect((patch.flags as Record<string, { on: boolean }>)['new-checkout']!.on).toBe(true);
    expect(Date.now() - started).toBeLessThan(1000);

    tcp.resume();
    const { code } = await stuck.closed;
    expect([4408, 1006]).toContain(code); // 4408 when its close frame got through before the cut
    healthy.close();
  });
});
