import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.ts';

// Deleting an environment deletes its keys, but a replica trusts a key it knows for a few seconds
// (the key cache): until then the key reaches the SDK routes, which find no environment behind it.
describe("SDK routes after the key's environment was deleted", () => {
  let t: TestApp;
  let serverKey: string;
  let clientKey: string;
  const gone = { error: 'unauthorized', message: "This key's environment no longer exists", details: [] };

  beforeAll(async () => {
    t = await createTestApp();
    expect((await t.request('POST', '/api/environments', { body: { key: 'doomed', name: 'Doomed' } })).statusCode).toBe(201);
    serverKey = await t.createToken('server', 'doomed');
    clientKey = await t.createToken('client', 'doomed');
    // Both keys are now known to this replica.
    expect((await t.request('GET', '/sdk/snapshot', { token: serverKey })).statusCode).toBe(200);
    expect((await t.request('POST', '/sdk/evaluate', { token: clientKey, body: { context: { key: 'u' } } })).statusCode).toBe(200);
    expect((await t.request('DELETE', '/api/environments/doomed')).statusCode).toBe(204);
    await t.app.versions.check(); // the periodic version check, which learns that the environment is gone
  });
  afterAll(async () => t?.close());

  it('answers /sdk/snapshot with 401, not 404', async () => {
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
