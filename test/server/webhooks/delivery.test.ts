/**
 * Outgoing webhooks, end to end: audited changes on a real database, delivered by the app's own
 * delivery loop to a real HTTP receiver on 127.0.0.1, signed, retried, logged.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.ts';
import { until } from '../../helpers/wait.ts';
import { type Receiver, startReceiver } from './receiver.ts';

const FLAG = 'new-checkout';
const ENV = 'production';

/** The receiver's check, as README.md shows it: the signature of `${t}.${rawBody}`, with t within 5 minutes. */
function verifies(secret: string, header: unknown, rawBody: string): boolean {
  const [, t, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(header)) ?? [];
  if (t === undefined || v1 === undefined) return false;
  const expected = createHmac('sha256', secret).update(`${t}.${rawBody}`).digest('hex');
  const fresh = Math.abs(Date.now() / 1000 - Number(t)) <= 300;
  return fresh && timingSafeEqual(Buffer.from(v1, 'hex'), Buffer.from(expected, 'hex'));
}

type Attempt = {
  id: string;
  deliveryId: string;
  attemptedAt: string;
  durationMs: number;
  statusCode: number | null;
  error: string | null;
  responseSnippet: string | null;
};

type Delivery = {
  id: string;
  event: string;
  status: string;
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  deliveredAt: string | null;
};

/** One app (one database) per describe block, with webhook settings of its own. */
function suite(webhooks: Record<string, number>) {
  const s = {
    t: undefined as unknown as TestApp,
    receivers: [] as Receiver[],
    on: false,
    async receiver(...args: Parameters<typeof startReceiver>) {
      const receiver = await startReceiver(...args);
      s.receivers.push(receiver);
      return receiver;
    },
    async createWebhook(body: Record<string, unknown>): Promise<{ id: string; signingSecret: string; version: number }> {
      const res = await s.t.request('POST', '/api/webhooks', { body: { name: 'test hook', format: 'json', ...body } });
      expect(res.statusCode, res.body).toBe(201);
      return res.json();
    },
    /** Toggles the flag to the other state; returns the state set. */
    async flip(): Promise<boolean> {
      s.on = !s.on;
      const res = await s.t.request('POST', `/api/flags/${FLAG}/environments/${ENV}/toggle`, { body: { on: s.on } });
      expect(res.statusCode, res.body).toBe(200);
      return s.on;
    },
    async deliveries(webhookId: string, query = ''): Promise<Delivery[]> {
      const res = await s.t.request('GET', `/api/webhooks/${webhookId}/deliveries${query}`);
      expect(res.statusCode, res.body).toBe(200);
      return res.json().items;
    },
    /** Every attempt of the delivery, newest first, as the API lists them. */
    async attempts(webhookId: string, deliveryId: string): Promise<Attempt[]> {
      const res = await s.t.request('GET', `/api/webhooks/${webhookId}/deliveries/${deliveryId}/attempts`);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().total).toBe(res.json().items.length);
      return res.json().items;
    },
    /** The webhook's only delivery once it is no longer pending. */
    async settled(webhookId: string): Promise<Delivery> {
      return until(`the delivery of ${webhookId} settled`, async () => {
        const items = await s.deliveries(webhookId);
        expect(items).toHaveLength(1);
        return items[0]!.status !== 'pending' ? items[0] : null;
      });
    },
  };
  beforeAll(async () => {
    s.t = await createTestApp({ dueWork: { pollIntervalMs: 50 }, webhooks });
    const res = await s.t.request('POST', '/api/flags', { body: { key: FLAG, name: 'New checkout', kind: 'boolean' } });
    expect(res.statusCode, res.body).toBe(201);
  });
  afterEach(async () => {
    // Each test's webhooks go, so the next test's changes reach only its own.
    for (const webhook of (await s.t.request('GET', '/api/webhooks')).json().items as { id: string }[]) {
      expect((await s.t.request('DELETE', `/api/webhooks/${webhook.id}`)).statusCode).toBe(204);
    }
    for (const receiver of s.receivers.splice(0)) await receiver.close();
  });
  afterAll(async () => {
    await s.t?.close();
  });
  return s;
}

describe('deliveries', () => {
  const s = suite({ backoffBaseMs: 20, backoffMaxMs: 200, timeoutMs: 5_000, maxAttempts: 4 });

  it('delivers a toggle once, as the audit event in JSON, signed with the webhook’s secret', async () => {
    const receiver = await s.receiver();
    const hook = await s.createWebhook({ url: receiver.url, events: ['flag.toggled'] });
    expect(hook.signingSecret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);

    await s.flip();
    const delivery = await s.settled(hook.id);
    expect(delivery).toMatchObject({ event: 'flag.toggled', status: 'delivered', attempts: 1, lastStatusCode: 200, lastError: null });
    expect(delivery.deliveredAt).not.toBeNull();
    expect(receiver.received).toHaveLength(1);

    const [request] = receiver.received;
    expect(request!.path).toBe('/hooks/switchyard');
    expect(request!.headers['content-type']).toBe('application/json');
    expect(request!.headers['x-switchyard-event']).toBe('flag.toggled');
    expect(request!.headers['x-switchyard-delivery']).toBe(delivery.id);
    expect(verifies(hook.signingSecret, request!.headers['x-switchyard-signature'], request!.body)).toBe(true);
    // Not with another secret, nor for another body.
    expect(verifies(`${hook.signingSecret}x`, request!.headers['x-switchyard-signature'], request!.body)).toBe(false);
    expect(verifies(hook.signingSecret, request!.headers['x-switchyard-signature'], request!.body.replace('true', 'false'))).toBe(false);

    const [event] = (await s.t.request('GET', '/api/audit?action=flag.toggled&limit=1')).json().items;
    expect(JSON.parse(request!.body)).toEqual({
      id: event.id,
      event: 'flag.toggled',
      createdAt: event.createdAt,
      actor: event.actor,
      resourceType: event.resourceType,
      resourceKey: event.resourceKey,
      flagKey: FLAG,
      environmentKey: ENV,
      before: event.before,
      after: event.after,
    });
    expect(event.after.on).toBe(true);
    const detail = (await s.t.request('GET', `/api/webhooks/${hook.id}/deliveries/${delivery.id}`)).json();
    expect(detail.payload).toEqual(JSON.parse(request!.body));
  });

  it('sends a Slack-compatible one-line summary to a slack webhook', async () => {
    const receiver = await s.receiver();
    const hook = await s.createWebhook({ url: receiver.url, events: ['flag.toggled'], format: 'slack' });
    const on = await s.flip();
    expect((await s.settled(hook.id)).status).toBe('delivered');

    const [request] = receiver.received;
    const { actor } = (await s.t.request('GET', '/api/audit?action=flag.toggled&limit=1')).json().items[0];
    const text = `*flag.toggled* ${FLAG} in ${ENV} by ${actor}: turned ${on ? 'on' : 'off'}`;
    expect(JSON.parse(request!.body)).toEqual({ text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] });
    expect(verifies(hook.signingSecret, request!.headers['x-switchyard-signature'], request!.body)).toBe(true);
  });

  it('retries a receiver answering 500 with backoff: delivered on the 3rd attempt, each attempt signed', async () => {
    let releaseThird!: (status: number) => void;
    const third = new Promise<number>((resolve) => {
      releaseThird = resolve;
    });
    // The third request is held until the test has read the log as the two failures left it.
    const receiver = await s.receiver((n) => (n < 2 ? 500 : third));
    const hook = await s.createWebhook({ url: receiver.url, events: ['flag.toggled'] });
    await s.flip();

    await until('the third attempt', () => receiver.received.length === 3);
    const [during] = await s.deliveries(hook.id);
    expect(during).toMatchObject({ status: 'pending', attempts: 2, lastStatusCode: 500, lastError: 'HTTP 500', deliveredAt: null });
    releaseThird(200);

    const delivery = await s.settled(hook.id);
    expect(delivery).toMatchObject({ status: 'delivered', attempts: 3, lastStatusCode: 200, lastError: null });
    const attempts = receiver.deliveriesOf(delivery.id);
    expect(attempts).toHaveLength(3);
    for (const attempt of attempts) {
      expect(verifies(hook.signingSecret, attempt.headers['x-switchyard-signature'], attempt.body)).toBe(true);
      expect(JSON.parse(attempt.body)).toEqual(JSON.parse(attempts[0]!.body));
    }

    // The log keeps every attempt, not only the last: newest first, each with its answer.
    const log = await s.attempts(hook.id, delivery.id);
    expect(log.map(({ statusCode, error, responseSnippet }) => ({ statusCode, error, responseSnippet }))).toEqual([
      { statusCode: 200, error: null, responseSnippet: 'ok' },
      { statusCode: 500, error: 'HTTP 500', responseSnippet: 'nope' },
      { statusCode: 500, error: 'HTTP 500', responseSnippet: 'nope' },
    ]);
    for (const attempt of log) {
      expect(attempt.deliveryId).toBe(delivery.id);
      expect(attempt.durationMs).toBeGreaterThanOrEqual(0);
    }
    const times = log.map((a) => Date.parse(a.attemptedAt)).reverse();
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(new Set(log.map((a) => a.id)).size).toBe(3);
  });

  it('logs how long an attempt took and only the first KiB of the answer, cut on a character boundary', async () => {
    // 3-byte characters: 1024 bytes end inside the 342nd, which is left out rather than garbled.
    const body = '€'.repeat(5000);
    const receiver = await s.receiver(() => new Promise((resolve) => setTimeout(() => resolve({ status: 202, body }), 100)));
    const hook = await s.createWebhook({ url: receiver.url, events: ['flag.toggled'] });
    await s.flip();
    const delivery = await s.settled(hook.id);
    expect(delivery).toMatchObject({ status: 'delivered', lastStatusCode: 202 });
    const [attempt, ...others] = await s.attempts(hook.id, delivery.id);
    expect(others).toEqual([]);
    expect(attempt!.responseSnippet).toBe('€'.repeat(341));
    expect(attempt!.durationMs).toBeGreaterThanOrEqual(100);
    expect(attempt!.durationMs).toBeLessThan(5_000);
  });

  it('queues nothing for a write that rolls back', async () => {
    const receiver = await s.receiver();
    const hook = await s.createWebhook({ url: receiver.url, events: ['flag.toggled'] });
    await expect(
      s.t.app.changes.run('tester', async (w) => {
        await w.audit({
          action: 'flag.toggled',
          resourceType: 'flag',
          resourceKey: FLAG,
          flagKey: FLAG,
          environmentKey: ENV,
          after: { on: 'rolled back' },
        });
        throw new Error('the write fails after its audit event');
      }),
    ).rejects.toThrow('the write fails after its audit event');
    expect(await s.t.db.prisma.webhookDelivery.count({ where: { webhookId: hook.id } })).toBe(0);

    // The same webhook does get a write that commits, and only that one.
    const on = await s.flip();
    expect((await s.settled(hook.id)).status).toBe('delivered');
    expect(receiver.received).toHaveLength(1);
    expect(JSON.parse(receiver.received[0]!.body).after.on).toBe(on);
  });

  it('queues an event only for enabled webhooks that want it, in the transaction of the change', async () => {
    const receiver = await s.receiver();
    const created = await s.createWebhook({ url: receiver.url, events: ['flag.created'] });
    const disabled = await s.createWebhook({ url: receiver.url, events: ['flag.toggled'], enabled: false });
    const everything = await s.createWebhook({ url: receiver.url, events: ['*'] });

    await s.flip();
    // Queued by the time the write answered: no waiting.
    expect(await s.t.db.prisma.webhookDelivery.count({ where: { webhookId: created.id } })).toBe(0);
    expect(await s.t.db.prisma.webhookDelivery.count({ where: { webhookId: disabled.id } })).toBe(0);
    const events = async () => (await s.t.db.prisma.webhookDelivery.findMany({ where: { webhookId: everything.id } })).map((d) => d.event);
    // `*` gets everything from its own creation on, that creation included (a first delivery to try the receiver with).
    expect((await events()).sort()).toEqual(['flag.toggled', 'webhook.created']);

    const res = await s.t.request('POST', '/api/flags', { body: { key: 'other-flag', name: 'Other', kind: 'boolean' } });
    expect(res.statusCode).toBe(201);
    expect((await s.t.db.prisma.webhookDelivery.findMany({ where: { webhookId: created.id } })).map((d) => d.event)).toEqual([
      'flag.created',
    ]);
    expect(await events()).toContain('flag.created');
    await until('every delivery sent', async () => (await s.t.db.prisma.webhookDelivery.count({ where: { status: 'pending' } })) === 0);
    expect(receiver.received).toHaveLength(4);
  });

  it('redelivers a delivery on request, with the same id and a fresh set of attempts', async () => {
    const receiver = await s.receiver();
    const hook = await s.createWebhook({ url: receiver.url, events: ['flag.toggled'] });
    await s.flip();
    const delivery = await s.settled(hook.id);

    const res = await s.t.request('POST', `/api/webhooks/${hook.id}/deliveries/${delivery.id}/redeliver`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().id).toBe(delivery.id);
    await until('the redelivery', () => receiver.deliveriesOf(delivery.id).length === 2);
    expect(await s.settled(hook.id)).toMatchObject({ id: delivery.id, status: 'delivered', attempts: 1 });
    const [first, second] = receiver.deliveriesOf(delivery.id);
    expect(JSON.parse(second!.body)).toEqual(JSON.parse(first!.body));
    // The attempt count starts again; the log keeps the attempts of before the redelivery too.
    expect((await s.attempts(hook.id, delivery.id)).map((a) => a.statusCode)).toEqual([200, 200]);

    const unknown = '00000000-0000-4000-8000-000000000000';
    expect((await s.t.request('POST', `/api/webhooks/${hook.id}/deliveries/${unknown}/redeliver`)).statusCode).toBe(404);
    expect((await s.t.request('POST', `/api/webhooks/${unknown}/deliveries/${delivery.id}/redeliver`)).statusCode).toBe(404);
  });

  it('signs with the new secret once it is rotated', async () => {
    const receiver = await s.receiver();
    const hook = await s.createWebhook({ url: receiver.url, events: ['flag.toggled'] });
    const res = await s.t.request('POST', `/api/webhooks/${hook.id}/rotate-secret`);
    expect(res.statusCode, res.body).toBe(200);
    const rotated = res.json().signingSecret as string;
    expect(rotated).toMatch(/^whsec_/);
    expect(rotated).not.toBe(hook.signingSecret);

    await s.flip();
    await s.settled(hook.id);
    const signature = receiver.received[0]!.headers['x-switchyard-signature'];
    expect(verifies(rotated, signature, receiver.received[0]!.body)).toBe(true);
    expect(verifies(hook.signingSecret, signature, receiver.received[0]!.body)).toBe(false);
  });

  it('does not send what was queued for a webhook disabled since, and says so in the log', async () => {
    let answerFirst!: (status: number) => void;
    const first = new Promise<number>((resolve) => {
      answerFirst = resolve;
    });
    const receiver = await s.receiver((n) => (n === 0 ? first : 200));
    const hook = await s.createWebhook({ url: receiver.url, events: ['flag.toggled'] });
    await s.flip();
    await until('the first attempt', () => receiver.received.length === 1);
    const res = await s.t.request('PATCH', `/api/webhooks/${hook.id}`, { body: { enabled: false } });
    expect(res.statusCode, res.body).toBe(200);
    answerFirst(503);

    const delivery = await s.settled(hook.id);
    expect(delivery).toMatchObject({ status: 'failed', attempts: 1, lastStatusCode: 503 });
    expect(delivery.lastError).toMatch(/webhook was disabled/);
    expect(receiver.received).toHaveLength(1);
    // One attempt was made; the delivery not sent afterwards is no attempt.
    expect((await s.attempts(hook.id, delivery.id)).map((a) => a.statusCode)).toEqual([503]);
  });
});

describe('a receiver that never answers', () => {
  const s = suite({ backoffBaseMs: 20, backoffMaxMs: 200, timeoutMs: 200, maxAttempts: 3 });

  it('records the timeout, retries, and marks the delivery failed after the last attempt', async () => {
    const receiver = await s.receiver(() => 'hang');
    const hook = await s.createWebhook({ url: receiver.url, events: ['flag.toggled'] });
    await s.flip();

    const delivery = await s.settled(hook.id);
    expect(delivery).toMatchObject({ status: 'failed', attempts: 3, lastStatusCode: null, deliveredAt: null });
    expect(delivery.lastError).toBe('timed out: no answer within 200 ms');
    expect(receiver.deliveriesOf(delivery.id)).toHaveLength(3);
    const log = await s.attempts(hook.id, delivery.id);
    expect(log).toHaveLength(3);
    for (const attempt of log) {
      expect(attempt).toMatchObject({ statusCode: null, error: 'timed out: no answer within 200 ms', responseSnippet: null });
      // The timer that aborts the request never fires early.
      expect(attempt.durationMs).toBeGreaterThanOrEqual(199);
    }
    expect((await s.deliveries(hook.id, '?status=failed')).map((d) => d.id)).toEqual([delivery.id]);
    expect(await s.deliveries(hook.id, '?status=pending')).toEqual([]);
  });

  it('records a refused connection as a failed attempt with its cause', async () => {
    const receiver = await s.receiver();
    const url = receiver.url;
    await receiver.close();
    const hook = await s.createWebhook({ url, events: ['flag.toggled'] });
    await s.flip();
    const delivery = await s.settled(hook.id);
    expect(delivery).toMatchObject({ status: 'failed', attempts: 3, lastStatusCode: null });
    expect(delivery.lastError).toMatch(/ECONNREFUSED/);
    const log = await s.attempts(hook.id, delivery.id);
    expect(log).toHaveLength(3);
    for (const attempt of log) expect(attempt).toMatchObject({ statusCode: null, error: delivery.lastError, responseSnippet: null });
  });
});
