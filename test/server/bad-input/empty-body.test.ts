/**
 * Clients that always send `content-type: application/json` send it with no body on the action
 * routes (archive, restore, rotate, delete): that is no body, not a malformed one. Routes that take
 * a body still refuse an empty one, naming `body`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.ts';

const ENV = 'production';
let t: TestApp;

beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => {
  await t?.close();
});

const sendEmpty = (method: string, url: string) =>
  t.app.inject({
    method: method as 'POST',
    url,
    headers: { authorization: `Bearer ${t.adminToken}`, 'content-type': 'application/json' },
    payload: '',
  });

async function created(url: string, body: Record<string, unknown>) {
  const res = await t.request('POST', url, { body });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

describe('an empty body with content-type application/json', () => {
  it('is no body on the action routes, which do their work', async () => {
    await created('/api/flags', { key: 'empty-body', name: 'Empty body', kind: 'boolean' });
    const archived = await sendEmpty('POST', '/api/flags/empty-body/archive');
    expect(archived.statusCode, archived.body).toBe(200);
    expect(archived.json().archived).toBe(true);
    const restored = await sendEmpty('POST', '/api/flags/empty-body/restore');
    expect(restored.statusCode, restored.body).toBe(200);
    expect(restored.json().archived).toBe(false);
    expect((await sendEmpty('DELETE', '/api/flags/empty-body')).statusCode).toBe(204);

    const token = await created('/api/tokens', { name: 'rotated', kind: 'server', environment: ENV });
    const rotated = await sendEmpty('POST', `/api/tokens/${token.id}/rotate`);
    expect(rotated.statusCode, rotated.body).toBe(201);
    expect((await sendEmpty('DELETE', `/api/tokens/${rotated.json().id}`)).statusCode).toBe(200);

    await created(`/api/environments/${ENV}/segments`, { key: 'emptied', name: 'Emptied' });
    expect((await sendEmpty('DELETE', `/api/environments/${ENV}/segments/emptied`)).statusCode).toBe(204);
    await created('/api/environments', { key: 'short-lived', name: 'Short-lived' });
    expect((await sendEmpty('DELETE', '/api/environments/short-lived')).statusCode).toBe(204);
  });

  it('is refused naming `body` on every route that takes one, and accepted on every other write route', async () => {
    const doc = (await t.request('GET', '/docs/json', { token: null })).json() as {
      paths: Record<string, Record<string, { requestBody?: unknown }>>;
    };
    const writes = Object.entries(doc.paths)
      .filter(([path]) => path.startsWith('/api/'))
      .flatMap(([path, operations]) =>
        Object.entries(operations)
          .filter(([method]) => ['post', 'put', 'patch', 'delete'].includes(method))
          .map(([method, operation]) => ({ method: method.toUpperCase(), path, takesBody: operation.requestBody !== undefined })),
      );
    expect(writes.filter((w) => w.takesBody).length).toBeGreaterThan(5);
    expect(writes.filter((w) => !w.takesBody).length).toBeGreaterThan(5);

    for (const { method, path, takesBody } of writes) {
      // Parameters name nothing that exists: a route that accepts the empty body answers 404.
      const url = path.replace(/\{id\}/g, '00000000-0000-4000-8000-000000000000').replace(/\{(\w+)\}/g, 'no-such-$1');
      const res = await sendEmpty(method, url);
      const what = `${method} ${url} -> ${res.statusCode} ${res.body.slice(0, 200)}`;
      if (takesBody) {
        expect(res.statusCode, what).toBe(400);
        expect(res.json().details, what).toEqual([{ path: 'body', message: expect.any(String) }]);
      } else {
        expect(res.statusCode, what).not.toBe(400);
        expect(res.statusCode, what).toBeLessThan(500);
      }
    }
  });
});
