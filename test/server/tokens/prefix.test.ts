import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { displayPrefix, generateSecret } from '../../../server/src/auth/secrets.ts';
import { createTestApp, type TestApp } from '../../helpers/app.ts';

// The prefix is stored in clear and shown to every admin (GET /api/tokens, the audit log), so it may
// hold only a few characters of what has to stay secret.

describe('the display prefix of a token', () => {
  it('is the public `sy_<kind>_` marker and 4 characters of a generated secret', () => {
    for (const kind of ['admin', 'server', 'client'] as const) {
      const secret = generateSecret(kind);
      expect(displayPrefix(secret)).toBe(secret.slice(0, `sy_${kind}_`.length + 4));
    }
  });

  it('is the first 4 characters of a secret someone chose, however long', () => {
    expect(displayPrefix('Zq81-my-own-admin-secret-of-24+')).toBe('Zq81');
    expect(displayPrefix(`k9Rt${'a1B2c3'.repeat(40)}`)).toBe('k9Rt');
    // A chosen value that merely starts like a generated one shows no more of what follows the marker.
    expect(displayPrefix('sy_admin_my-own-secret-goes-here')).toBe('sy_admin_my-o');
  });

  describe('as stored and listed', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp();
    });
    afterAll(async () => t?.close());

    it('keeps 4 characters of the secret of a new key, and of SWITCHYARD_ADMIN_TOKEN’s token', async () => {
      const created = await t.request('POST', '/api/tokens', { body: { name: 'billing', kind: 'client', environment: 'staging' } });
      expect(created.statusCode).toBe(201);
      const { prefix, secret } = created.json() as { prefix: string; secret: string };
      expect(prefix).toBe(secret.slice(0, 'sy_client_'.length + 4));

      // createTestApp starts as Switchyard does with SWITCHYARD_ADMIN_TOKEN set to t.adminToken.
      const listed = (await t.request('GET', '/api/tokens?kind=admin')).json().items as { name: string; prefix: string }[];
      expect(listed).toContainEqual(
        expect.objectContaining({ name: 'admin (SWITCHYARD_ADMIN_TOKEN)', prefix: displayPrefix(t.adminToken) }),
      );
      expect(displayPrefix(t.adminToken)).toHaveLength('sy_admin_'.length + 4);
    });
  });
});
