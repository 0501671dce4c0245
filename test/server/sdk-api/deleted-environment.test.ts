import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.ts';

// Deleting an environment deletes its keys: the replica forgets them and the environment's cached
// snapshot at once, without waiting for its key cache to expire or its periodic version check.
describe("SDK routes after the key's environment was deleted", () => {
  let t: TestApp;
  let serverKey: string;
  let clientKey: string;
  // The keys were deleted with their environment: they are now simply unknown.
  const gone = { error: 'unauthorized', message: 'The token is unknown or has been revoked', details: [] };

  beforeAll(async () => {
    t = await createTestApp();
    expect((await t.request('POST', '/api/environments', { body: { key: 'doomed', name: 'Doomed' } })).statusCode).toBe(201);
    serverKey = await t.createToken('server', 'doomed');
    clientKey = await t.createToken('client', 'doomed');
    // Both keys are now known to this replica.
    expect((await t.request('GET', '/sdk/snapshot', { token: serverKey })).statusCode).toBe(200);
    expect((await t.request('POST', '/sdk/evaluate', { token: clientKey, body: { context: { key: 'u' } } })).statusCode).toBe(200);
    expect((await t.request('DELETE', '/api/environments/doomed')).statusCode).toBe(204);
  });
  afterAll(async () => t?.close());

  it('answers /sdk/snapshot with 401, not 404, right after the deletion', async () => {
    const res = await t.request('GET', '/sdk/snapshot', { token: serverKey });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual(gone);
  });

  it('answers /sdk/evaluate with 401, not 404, and keeps CORS open on the error', async () => {
    const res = await t.request('POST', '/sdk/evaluate', { token: clientKey, body: { context: { key: 'u' } } });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual(gone);
    expect(res.headers['access-control-allow-origin']).toBe('*');
  });
});
