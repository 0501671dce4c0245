import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { displayPrefix, generateSecret, hashSecret } from '../../../server/src/auth/secrets.ts';
import { adminTokenNotice, seedOnFirstStart } from '../../../server/src/bootstrap.ts';
import { ConflictError } from '../../../server/src/errors/index.ts';
import { createTestDatabase, type TestDatabase } from '../../helpers/database.ts';

// What every start does with SWITCHYARD_ADMIN_TOKEN (server.ts runs seedOnFirstStart at each start,
// before the app exists). The variable configures one admin token: a new value replaces it.

const NAME = 'admin (SWITCHYARD_ADMIN_TOKEN)';
/** A value as an operator makes one (`openssl rand -base64 32`): not the `sy_admin_` form Switchyard generates. */
const chosenSecret = () => randomBytes(32).toString('base64');

let db: TestDatabase;
beforeEach(async () => {
  db = await createTestDatabase(inject('databaseUrl'), inject('templateDatabase'), inject('testRunId'));
});
afterEach(async () => db?.drop());

const start = (adminToken?: string) => seedOnFirstStart(db.prisma, { adminToken });
const tokenOf = (secret: string) => db.prisma.apiToken.findUniqueOrThrow({ where: { secretHash: hashSecret(secret) } });
const activeAdminNames = async () =>
  (await db.prisma.apiToken.findMany({ where: { kind: 'admin', revokedAt: null }, orderBy: { createdAt: 'asc' } })).map((t) => t.name);
const auditTrail = async () =>
  (await db.prisma.auditEvent.findMany({ orderBy: { id: 'asc' } })).map(({ actor, action, resourceKey }) => ({
    actor,
    action,
    resourceKey,
  }));

describe('SWITCHYARD_ADMIN_TOKEN at start', () => {
  it('creates its admin token on the first start, audited as made by "system", keeping 4 characters of the secret', async () => {
    const a = chosenSecret();
    const result = await start(a);

    expect(result).toMatchObject({ createdEnvironments: ['development', 'staging', 'production'], generatedAdminToken: null });
    expect(result.configuredAdminToken).toEqual({ outcome: 'created', revoked: 0 });
    const token = await tokenOf(a);
    expect(token).toMatchObject({
      name: NAME,
      kind: 'admin',
      environmentId: null,
      revokedAt: null,
      configuredBy: 'SWITCHYARD_ADMIN_TOKEN',
    });
    expect(token.prefix).toBe(a.slice(0, 4));

    const [created] = await db.prisma.auditEvent.findMany();
    expect(created).toMatchObject({ actor: 'system', action: 'token.created', resourceType: 'token', resourceKey: token.id });
    expect(created!.after).toEqual({
      id: token.id,
      name: NAME,
      kind: 'admin',
      environment: null,
      prefix: a.slice(0, 4),
      role: 'admin',
      environmentRoles: {},
      createdAt: token.createdAt.toISOString(),
    });
    expect(JSON.stringify(created!.after)).not.toContain(a.slice(4, 12));
    expect(adminTokenNotice(result.configuredAdminToken)).toBe('Admin token: created the token of SWITCHYARD_ADMIN_TOKEN');
  });

  it('changes nothing when started again with the same value', async () => {
    const a = chosenSecret();
    await start(a);
    const before = { token: await tokenOf(a), audit: await auditTrail() };

    const again = await start(a);

    expect(again).toEqual({
      createdEnvironments: [],
      generatedAdminToken: null,
      configuredAdminToken: { outcome: 'unchanged', revoked: 0 },
    });
    expect(await tokenOf(a)).toEqual(before.token);
    expect(await auditTrail()).toEqual(before.audit);
    expect(adminTokenNotice(again.configuredAdminToken)).toBeNull();
  });

  it('replaces the token when the value changes: the old one is revoked, both audited, other admin tokens untouched', async () => {
    const a = chosenSecret();
    await start(a);
    const oldToken = await tokenOf(a);
    const ops = await db.prisma.apiToken.create({
      data: { name: 'ops admin', kind: 'admin', secretHash: hashSecret(generateSecret('admin')), prefix: 'sy_admin_opsx' },
    });

    const b = chosenSecret();
    const result = await start(b);

    expect(result.configuredAdminToken).toEqual({ outcome: 'created', revoked: 1 });
    const newToken = await tokenOf(b);
    expect((await tokenOf(a)).revokedAt).toBeInstanceOf(Date);
    expect(newToken).toMatchObject({ name: NAME, revokedAt: null, configuredBy: 'SWITCHYARD_ADMIN_TOKEN' });
    expect(await activeAdminNames()).toEqual(['ops admin', NAME]);
    expect((await db.prisma.apiToken.findUniqueOrThrow({ where: { id: ops.id } })).revokedAt).toBeNull();

    const events = await db.prisma.auditEvent.findMany({
      where: { resourceKey: { in: [oldToken.id, newToken.id] } },
      orderBy: { id: 'asc' },
    });
    expect(events.map(({ actor, action, resourceKey }) => ({ actor, action, resourceKey }))).toEqual([
      { actor: 'system', action: 'token.created', resourceKey: oldToken.id },
      { actor: 'system', action: 'token.created', resourceKey: newToken.id },
      { actor: 'system', action: 'token.revoked', resourceKey: oldToken.id },
    ]);
    expect(events[1]!.after).toMatchObject({ id: newToken.id, name: NAME, replaces: [oldToken.id] });
    expect(events[2]!.before).toMatchObject({ id: oldToken.id, revokedAt: null });
    expect(events[2]!.after).toMatchObject({ id: oldToken.id, revokedAt: (await tokenOf(a)).revokedAt!.toISOString() });
    expect(adminTokenNotice(result.configuredAdminToken)).toBe(
      'Admin token: created the token of SWITCHYARD_ADMIN_TOKEN; revoked the token of its earlier value',
    );
  });

  it('never brings a revoked value back: a replica still starting with the old value changes nothing and says so', async () => {
    const [a, b] = [chosenSecret(), chosenSecret()];
    await start(a);
    await start(b);
    const before = await auditTrail();

    const stale = await start(a);

    expect(stale.configuredAdminToken).toEqual({ outcome: 'revoked' });
    expect((await tokenOf(a)).revokedAt).toBeInstanceOf(Date);
    expect((await tokenOf(b)).revokedAt).toBeNull();
    expect(await auditTrail()).toEqual(before);
    expect(adminTokenNotice(stale.configuredAdminToken)).toMatch(/^Warning: SWITCHYARD_ADMIN_TOKEN is a revoked admin token/);
  });

  it('manages only the tokens it created: one made through the API under the same name stays', async () => {
    const lookalike = await db.prisma.apiToken.create({
      data: { name: NAME, kind: 'admin', secretHash: hashSecret(generateSecret('admin')), prefix: 'sy_admin_look' },
    });
    await start(chosenSecret());
    await start(chosenSecret());
    expect((await db.prisma.apiToken.findUniqueOrThrow({ where: { id: lookalike.id } })).revokedAt).toBeNull();
    expect(await activeAdminNames()).toEqual([NAME, NAME]);
  });

  it('takes a value that is already an admin token made through the API as it is, and still revokes the earlier value', async () => {
    const a = chosenSecret();
    await start(a);
    const own = generateSecret('admin');
    const made = await db.prisma.apiToken.create({
      data: { name: 'made by hand', kind: 'admin', secretHash: hashSecret(own), prefix: displayPrefix(own) },
    });

    expect((await start(own)).configuredAdminToken).toEqual({ outcome: 'unchanged', revoked: 1 });
    expect((await tokenOf(a)).revokedAt).toBeInstanceOf(Date);
    expect(await db.prisma.apiToken.findUniqueOrThrow({ where: { id: made.id } })).toMatchObject({ revokedAt: null, configuredBy: null });
  });

  it('refuses a value that is the secret of an SDK key', async () => {
    await start(chosenSecret());
    const environment = await db.prisma.environment.findUniqueOrThrow({ where: { key: 'production' } });
    const serverKey = generateSecret('server');
    await db.prisma.apiToken.create({
      data: { name: 'checkout', kind: 'server', environmentId: environment.id, secretHash: hashSecret(serverKey), prefix: 'x' },
    });

    const refused = await start(serverKey).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ConflictError);
    expect((refused as Error).message).toBe('SWITCHYARD_ADMIN_TOKEN is the secret of a server key: set it to a secret of its own');
    expect(await activeAdminNames()).toEqual([NAME]);
  });

  it('when replicas start together with a new value, creates one token and revokes the old one once', async () => {
    await start(chosenSecret());
    const b = chosenSecret();

    const results = await Promise.all([start(b), start(b), start(b)]);

    expect(results.map((r) => r.configuredAdminToken).sort((x, y) => x!.outcome.localeCompare(y!.outcome))).toEqual([
      { outcome: 'created', revoked: 1 },
      { outcome: 'unchanged', revoked: 0 },
      { outcome: 'unchanged', revoked: 0 },
    ]);
    expect(await activeAdminNames()).toEqual([NAME]);
    expect((await auditTrail()).map((e) => e.action)).toEqual(['token.created', 'token.created', 'token.revoked']);
  });
});

describe('without SWITCHYARD_ADMIN_TOKEN', () => {
  it('generates an admin token on the first start only, audited, and leaves a configured token as it is', async () => {
    const first = await start();
    expect(first.generatedAdminToken).toMatch(/^sy_admin_[A-Za-z0-9_-]{43}$/);
    const generated = await tokenOf(first.generatedAdminToken!);
    expect(generated).toMatchObject({ name: 'admin (generated at first start)', configuredBy: null });
    expect(await auditTrail()).toEqual([{ actor: 'system', action: 'token.created', resourceKey: generated.id }]);

    expect((await start()).generatedAdminToken).toBeNull();

    const a = chosenSecret();
    await start(a);
    await start(); // the variable unset again: its token stays (revoke it through the API)
    expect((await tokenOf(a)).revokedAt).toBeNull();
    expect(await activeAdminNames()).toEqual(['admin (generated at first start)', NAME]);
  });
});
