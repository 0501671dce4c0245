/**
 * The webhooks admin API: creating, reading, changing and deleting webhooks (each audited, never with
 * the signing secret), the delivery log's pages and filters, refusals, and the OpenAPI document.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.ts';

const UNKNOWN = '00000000-0000-4000-8000-000000000000';
const valid = { name: 'deploy channel', url: 'https://hooks.example.com/switchyard', events: ['flag.toggled'], format: 'json' };

let t: TestApp;
const secrets: string[] = [];
// No delivery loop: these tests read deliveries as the outbox queued them.
beforeAll(async () => {
  t = await createTestApp({ dueWork: { enabled: false } });
});
afterAll(async () => {
  await t?.close();
});

async function create(body: Record<string, unknown> = valid) {
  const res = await t.request('POST', '/api/webhooks', { body });
  expect(res.statusCode, res.body).toBe(201);
  secrets.push(res.json().signingSecret);
  return res.json();
}

const auditText = async () =>
  JSON.stringify(await t.db.prisma.auditEvent.findMany({ where: { resourceType: 'webhook' } }), (_k, v: unknown) =>
    typeof v === 'bigint' ? String(v) : v,
  );

describe('webhooks API', () => {
  it('creates a webhook (201) whose signing secret is shown once, and never again', async () => {
    const res = await t.request('POST', '/api/webhooks', {
      body: { ...valid, events: ['flag.toggled', 'flag.toggled', 'release.rolled-back'] },
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.headers.etag).toBe('"1"');
    const body = res.json();
    secrets.push(body.signingSecret);
    expect(Object.keys(body).sort()).toEqual(
      ['createdAt', 'createdBy', 'enabled', 'events', 'format', 'id', 'name', 'signingSecret', 'updatedAt', 'url', 'version'].sort(),
    );
    expect(body).toMatchObject({ ...valid, events: ['flag.toggled', 'release.rolled-back'], enabled: true, version: 1 });
    expect(body.signingSecret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);

    const list = await t.request('GET', '/api/webhooks');
    expect(list.statusCode).toBe(200);
    expect(list.json().items.map((w: { id: string }) => w.id)).toContain(body.id);
    const one = await t.request('GET', `/api/webhooks/${body.id}`);
    expect(one.statusCode).toBe(200);
    expect(one.headers.etag).toBe('"1"');
    const { signingSecret: _secret, ...view } = body;
    expect(one.json()).toEqual(view);
    for (const text of [list.body, one.body, await auditText()]) expect(text).not.toContain(body.signingSecret);
  });

  it('keeps "*" alone when it is among the events, and defaults to enabled', async () => {
    const hook = await create({ ...valid, events: ['flag.created', '*'], format: 'slack' });
    expect(hook).toMatchObject({ events: ['*'], format: 'slack', enabled: true });
  });

  it('answers 400 naming the field for bad input, creating nothing', async () => {
    const before = await t.db.prisma.webhook.count();
    const cases: [Record<string, unknown>, string][] = [
      [{ ...valid, url: 'ftp://example.com/x' }, 'body.url'],
      [{ ...valid, url: 'javascript:alert(1)' }, 'body.url'],
      [{ ...valid, url: 'not a url' }, 'body.url'],
      [{ ...valid, url: 'https://user:pass@example.com/x' }, 'body.url'],
      [{ ...valid, events: [] }, 'body.events'],
      [{ ...valid, events: ['Flag Toggled'] }, 'body.events[0]'],
      [{ ...valid, events: 'flag.toggled' }, 'body.events'],
      [{ ...valid, format: 'xml' }, 'body.format'],
      [{ ...valid, name: '' }, 'body.name'],
      [{ ...valid, enabled: 'yes' }, 'body.enabled'],
      [{ ...valid, signingSecret: 'whsec_mine' }, 'body'],
      [{ name: 'x', url: valid.url, events: ['*'] }, 'body.format'],
    ];
    for (const [body, path] of cases) {
      const res = await t.request('POST', '/api/webhooks', { body });
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().error).toBe('validation_failed');
      expect(
        res.json().details.map((d: { path: string }) => d.path),
        JSON.stringify(body),
      ).toContain(path);
    }
    const hook = await create();
    const patch = await t.request('PATCH', `/api/webhooks/${hook.id}`, { body: { url: 'file:///etc/passwd' } });
    expect(patch.statusCode).toBe(400);
    expect(patch.json().details[0].path).toBe('body.url');
    expect((await t.request('PATCH', `/api/webhooks/${hook.id}`, { body: {} })).statusCode).toBe(400);
    expect((await t.request('GET', '/api/webhooks/not-a-uuid')).json().details[0].path).toBe('params.id');
    expect((await t.request('GET', `/api/webhooks/${hook.id}/deliveries?status=lost`)).json().details[0].path).toBe('query.status');
    const nul = await t.request('GET', `/api/webhooks/${hook.id}/deliveries/a%00b`);
    expect(nul.statusCode).toBe(400);
    expect(nul.json().details[0].path).toBe('params.deliveryId');
    expect(await t.db.prisma.webhook.count()).toBe(before + 1);
  });

  it('updates with If-Match, answering 412 with the current version on a stale one and changing nothing', async () => {
    const hook = await create();
    const updated = await t.request('PATCH', `/api/webhooks/${hook.id}`, {
      body: { name: 'renamed', enabled: false, events: ['flag.created'] },
      headers: { 'if-match': '"1"' },
    });
    expect(updated.statusCode, updated.body).toBe(200);
    expect(updated.headers.etag).toBe('"2"');
    expect(updated.json()).toMatchObject({ name: 'renamed', enabled: false, events: ['flag.created'], version: 2 });

    const stale = await t.request('PATCH', `/api/webhooks/${hook.id}`, { body: { name: 'lost' }, headers: { 'if-match': '"1"' } });
    expect(stale.statusCode).toBe(412);
    expect(stale.json()).toMatchObject({ error: 'version_mismatch', currentVersion: 2 });
    for (const [method, url] of [
      ['DELETE', `/api/webhooks/${hook.id}`],
      ['POST', `/api/webhooks/${hook.id}/rotate-secret`],
    ] as const) {
      const res = await t.request(method, url, { headers: { 'if-match': '"1"' } });
      expect(res.statusCode, `${method} ${url}`).toBe(412);
    }
    expect((await t.request('GET', `/api/webhooks/${hook.id}`)).json()).toMatchObject({ name: 'renamed', version: 2 });
  });

  it('rotates the secret (shown once) and audits every change without a secret', async () => {
    const hook = await create();
    const rotated = await t.request('POST', `/api/webhooks/${hook.id}/rotate-secret`, { headers: { 'if-match': '"1"' } });
    expect(rotated.statusCode, rotated.body).toBe(200);
    secrets.push(rotated.json().signingSecret);
    expect(rotated.json()).toMatchObject({ id: hook.id, version: 2 });
    expect(rotated.json().signingSecret).not.toBe(hook.signingSecret);
    const stored = await t.db.prisma.webhook.findUniqueOrThrow({ where: { id: hook.id } });
    expect(stored.signingSecret).toBe(rotated.json().signingSecret);

    expect((await t.request('PATCH', `/api/webhooks/${hook.id}`, { body: { format: 'slack' } })).statusCode).toBe(200);
    const deleted = await t.request('DELETE', `/api/webhooks/${hook.id}`, { headers: { 'if-match': '"3"' } });
    expect(deleted.statusCode).toBe(204);
    expect((await t.request('GET', `/api/webhooks/${hook.id}`)).statusCode).toBe(404);
    expect((await t.request('DELETE', `/api/webhooks/${hook.id}`)).statusCode).toBe(404);

    const audit = (await t.request('GET', `/api/audit?resourceType=webhook&limit=200`))
      .json()
      .items.filter((e: { resourceKey: string }) => e.resourceKey === hook.id);
    expect(audit.map((e: { action: string }) => e.action)).toEqual([
      'webhook.deleted',
      'webhook.updated',
      'webhook.secret-rotated',
      'webhook.created',
    ]);
    expect(audit[0]).toMatchObject({ before: { id: hook.id, format: 'slack', version: 3 }, after: null });
    expect(audit[1]).toMatchObject({ before: { format: 'json' }, after: { format: 'slack' } });
    const text = await auditText();
    for (const secret of secrets) expect(text).not.toContain(secret);
  });

  it('lists the delivery log newest first, paged and filtered by status; deletes it with the webhook', async () => {
    const hook = await create({ ...valid, events: ['flag.created'] });
    for (const key of ['f-1', 'f-2', 'f-3']) {
      expect((await t.request('POST', '/api/flags', { body: { key, name: key, kind: 'boolean' } })).statusCode).toBe(201);
    }
    const page = await t.request('GET', `/api/webhooks/${hook.id}/deliveries?limit=2`);
    expect(page.statusCode, page.body).toBe(200);
    expect(page.json()).toMatchObject({ total: 3, limit: 2, offset: 0 });
    expect(page.json().items).toHaveLength(2);
    const next = (await t.request('GET', `/api/webhooks/${hook.id}/deliveries?limit=2&offset=2`)).json();
    const all = [...page.json().items, ...next.items];
    const flagKeys = await Promise.all(
      all.map(async (d: { id: string }) => (await t.request('GET', `/api/webhooks/${hook.id}/deliveries/${d.id}`)).json().payload.flagKey),
    );
    expect(flagKeys).toEqual(['f-3', 'f-2', 'f-1']);
    expect(all[0]).toMatchObject({ webhookId: hook.id, event: 'flag.created', status: 'pending', attempts: 0, lastStatusCode: null });
    expect(all[0].nextAttemptAt).not.toBeNull();

    expect((await t.request('GET', `/api/webhooks/${hook.id}/deliveries?status=pending`)).json().total).toBe(3);
    expect((await t.request('GET', `/api/webhooks/${hook.id}/deliveries?status=delivered`)).json()).toMatchObject({ total: 0, items: [] });
    expect((await t.request('GET', `/api/webhooks/${UNKNOWN}/deliveries`)).statusCode).toBe(404);
    expect((await t.request('GET', `/api/webhooks/${hook.id}/deliveries/${UNKNOWN}`)).statusCode).toBe(404);
    expect((await t.request('GET', `/api/webhooks/${hook.id}/deliveries/not-an-id`)).statusCode).toBe(404);
    // A delivery is found only under its own webhook.
    const other = await create();
    expect((await t.request('GET', `/api/webhooks/${other.id}/deliveries/${all[0].id}`)).statusCode).toBe(404);
    // Its attempts likewise; not yet attempted, it has none.
    expect((await t.request('GET', `/api/webhooks/${hook.id}/deliveries/${all[0].id}/attempts`)).json()).toEqual({
      items: [],
      total: 0,
      limit: 50,
      offset: 0,
    });
    expect((await t.request('GET', `/api/webhooks/${other.id}/deliveries/${all[0].id}/attempts`)).statusCode).toBe(404);
    expect((await t.request('GET', `/api/webhooks/${hook.id}/deliveries/${UNKNOWN}/attempts`)).statusCode).toBe(404);
    const badLimit = await t.request('GET', `/api/webhooks/${hook.id}/deliveries/${all[0].id}/attempts?limit=0`);
    expect(badLimit.statusCode).toBe(400);
    expect(badLimit.json().details[0].path).toBe('query.limit');

    expect((await t.request('DELETE', `/api/webhooks/${hook.id}`)).statusCode).toBe(204);
    expect(await t.db.prisma.webhookDelivery.count({ where: { webhookId: hook.id } })).toBe(0);
  });

  it('is for admin tokens only', async () => {
    const serverKey = await t.createToken('server', 'production');
    expect((await t.request('GET', '/api/webhooks', { token: null })).statusCode).toBe(401);
    expect((await t.request('GET', '/api/webhooks', { token: serverKey })).statusCode).toBe(403);
    expect((await t.request('POST', '/api/webhooks', { token: serverKey, body: valid })).statusCode).toBe(403);
  });

  it('publishes the routes in the OpenAPI document, the secret only in creation and rotation answers', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/docs/json' })).json();
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/webhooks/',
        '/api/webhooks/{id}',
        '/api/webhooks/{id}/rotate-secret',
        '/api/webhooks/{id}/deliveries',
        '/api/webhooks/{id}/deliveries/{deliveryId}',
        '/api/webhooks/{id}/deliveries/{deliveryId}/redeliver',
        '/api/webhooks/{id}/deliveries/{deliveryId}/attempts',
      ]),
    );
    expect(doc.paths['/api/webhooks/{id}/deliveries/{deliveryId}/attempts'].get.parameters.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining(['id', 'deliveryId', 'limit', 'offset']),
    );
    const schemaOf = (path: string, method: string, status: string) =>
      doc.paths[path][method].responses[status].content['application/json'].schema;
    expect(schemaOf('/api/webhooks/', 'post', '201').description).toBe('CreatedWebhook');
    expect(schemaOf('/api/webhooks/{id}/deliveries/{deliveryId}/attempts', 'get', '200').description).toBe('WebhookDeliveryAttemptPage');
    expect(schemaOf('/api/webhooks/', 'post', '201').properties).toHaveProperty('signingSecret');
    expect(schemaOf('/api/webhooks/{id}', 'get', '200').properties).not.toHaveProperty('signingSecret');
    expect(schemaOf('/api/webhooks/{id}', 'patch', '412').description).toBe('Error');
    expect(doc.paths['/api/webhooks/{id}/deliveries'].get.parameters.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining(['limit', 'offset', 'status']),
    );
    expect(doc.paths['/api/webhooks/'].post.tags).toEqual(['webhooks']);
  });
});
