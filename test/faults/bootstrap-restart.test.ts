/**
 * Fault: the server is down when an application starts. The application serves the rules of its last
 * saved snapshot (`persistPath`, or a `bootstrap` file) and converges once the server is back.
 */
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestDatabase } from '../helpers/database.ts';
import { until } from '../helpers/wait.ts';
import { ClientPool, createKeys, environmentVersion, seededDatabase } from './helpers/fleet.ts';
import { ok } from './helpers/http.ts';
import { ReplicaProcess } from './helpers/replica-process.ts';

const ana = { key: 'ana', email: 'ana@example.com' };
const bob = { key: 'bob', email: 'bob@elsewhere.org' };
const CONFIG = '/api/flags/checkout/environments/production';

describe('fault: the server is down when an application starts', () => {
  let db: TestDatabase;
  let adminToken: string;
  let server: ReplicaProcess;
  let dir: string;
  const clients = new ClientPool();

  beforeAll(async () => {
    ({ db, adminToken } = await seededDatabase());
    server = await ReplicaProcess.start({ DATABASE_URL: db.url, SWITCHYARD_ADMIN_TOKEN: adminToken });
    dir = await mkdtemp(path.join(tmpdir(), 'sy-faults-sdk-'));
  });
  afterAll(async () => {
    await clients.closeAll();
    await server?.kill();
    await db?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('serves the last saved rules while the server is down, then converges when it is back', async () => {
    const { serverKey } = await createKeys(server.url, adminToken);
    await ok(server.url, 'POST', '/api/flags', { token: adminToken, body: { key: 'checkout', name: 'checkout', kind: 'boolean' } });
    const beta = { id: 'beta', clauses: [{ attribute: 'email', op: 'endsWith', values: ['@example.com'] }], variation: 0 };
    await ok(server.url, 'PATCH', CONFIG, { token: adminToken, body: { on: true, fallthrough: { variation: 1 }, rules: [beta] } });
    const saved = await environmentVersion(db.prisma);

    // A first run of the application saves the snapshot it received.
    const persistPath = path.join(dir, 'flags.json');
    const firstRun = clients.open({ url: server.url, sdkKey: serverKey, persistPath, persistDebounceMs: 20 });
    expect(await firstRun.ready()).toBe(true);
    expect(firstRun.isEnabled('checkout', ana)).toBe(true);
    await firstRun.close();
    const bootstrapFile = path.join(dir, 'bootstrap.json');
    await copyFile(persistPath, bootstrapFile);

    // The flag changes after that, then the server goes down (killed: no goodbye to anyone).
    await ok(server.url, 'POST', `${CONFIG}/toggle`, { token: adminToken, body: { on: false } });
    const current = await environmentVersion(db.prisma);
    await server.kill();

    // Applications starting now serve the saved rules at once, without the server.
    const restarted = clients.open({ url: server.url, sdkKey: serverKey, persistPath, persistDebounceMs: 20 });
    const bootstrapped = clients.open({ url: server.url, sdkKey: serverKey, bootstrap: { file: bootstrapFile } });
    for (const app of [restarted, bootstrapped]) {
      expect(app.version).toBe(saved);
      expect(app.isEnabled('checkout', ana)).toBe(true);
      expect(app.isEnabled('checkout', bob)).toBe(false);
      expect(app.evaluate('checkout', ana).reason).toMatchObject({ kind: 'RULE_MATCH', ruleId: 'beta' });
    }
    // A persisted copy is served but is not "ready" (it may be old); a bootstrap is ready by definition.
    expect(await restarted.ready(300)).toBe(false);
    expect(await bootstrapped.ready(0)).toBe(true);
    await until('the restarted application knows the server is unreachable', () => restarted.status === 'offline');
    expect(restarted.isEnabled('checkout', ana)).toBe(true);

    await server.start();

    await until(
      'both applications converge on the current rules',
      () =>
        [restarted, bootstrapped].every((app) => app.version === current && !app.isEnabled('checkout', ana) && app.status === 'streaming'),
      15_000,
    );
    expect(await restarted.ready(0)).toBe(true);
    await until('the saved snapshot is updated', async () => {
      const file = JSON.parse(await readFile(persistPath, 'utf8')) as { snapshot: { version: number } };
      return file.snapshot.version === current;
    });
  }, 60_000);
});
