import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { hashSecret } from '../../../server/src/auth/secrets.ts';
import { InProcessChangeBus } from '../../../server/src/changes/change-bus.ts';
import type { ChangeNotice } from '../../../server/src/changes/notice.ts';
import { ChangeWriter } from '../../../server/src/changes/write-unit.ts';
import { ConflictError, NotFoundError } from '../../../server/src/errors/index.ts';
import { TokenService } from '../../../server/src/tokens/service.ts';
import { createTestDatabase, type TestDatabase } from '../../helpers/database.ts';

describe('TokenService', () => {
  let db: TestDatabase;
  let tokens: TokenService;
  const notices: ChangeNotice[] = [];
  beforeAll(async () => {
    db = await createTestDatabase(inject('databaseUrl'), inject('templateDatabase'), inject('testRunId'));
    await db.prisma.environment.create({ data: { key: 'production', name: 'Production' } });
    const bus = new InProcessChangeBus();
    bus.subscribe((notice) => notices.push(notice));
    tokens = new TokenService({ prisma: db.prisma, changes: new ChangeWriter({ prisma: db.prisma, bus, onPublishError: () => {} }) });
  });
  afterAll(async () => db?.drop());

  it('stores only the hash of a new secret, and refuses an unknown environment naming the field it came from', async () => {
    const created = await tokens.create('test', { name: 'checkout', kind: 'server', environment: 'production' });
    const stored = await db.prisma.apiToken.findUniqueOrThrow({ where: { id: created.id } });
    expect(stored.secretHash).toBe(hashSecret(created.secret));
    expect(created.secret.startsWith(stored.prefix)).toBe(true);

    const unknownInBody = await tokens.create('test', { name: 'x', kind: 'server', environment: 'nowhere' }).catch((e: unknown) => e);
    expect(unknownInBody).toBeInstanceOf(NotFoundError);
    expect(unknownInBody).toMatchObject({
      message: 'Environment "nowhere" not found',
      details: [{ path: 'body.environment', message: 'no such environment' }],
    });
    const unknownInQuery = await tokens.list({ environment: 'nowhere', includeRevoked: false }).catch((e: unknown) => e);
    expect(unknownInQuery).toMatchObject({ details: [{ path: 'query.environment', message: 'no such environment' }] });
  });

  it('announces a revocation once, after commit; revoking again answers the token unchanged and records nothing', async () => {
    const { id } = await tokens.create('test', { name: 'batch', kind: 'server', environment: 'production' });
    notices.length = 0;
    const revoked = await tokens.revoke('test', id);
    const again = await tokens.revoke('test', id);
    expect(again).toEqual(revoked);
    expect(notices).toEqual([{ resourceType: 'token', resourceKey: id }]);
    const audited = await db.prisma.auditEvent.findMany({ where: { resourceKey: id }, orderBy: { id: 'asc' } });
    expect(audited.map((e) => e.action)).toEqual(['token.created', 'token.revoked']);
  });

  it('keeps a way in: of two concurrent revocations of the last two admin tokens, one is refused', async () => {
    const a = await tokens.create('test', { name: 'a', kind: 'admin' });
    const b = await tokens.create('test', { name: 'b', kind: 'admin' });
    const results = await Promise.allSettled([tokens.revoke('test', a.id), tokens.revoke('test', b.id)]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = results.find((r) => r.status === 'rejected');
    expect(refused?.reason).toBeInstanceOf(ConflictError);
    expect(refused?.reason).toMatchObject({ details: [{ path: 'params.id', message: 'the last active admin token cannot be revoked' }] });
    expect(await db.prisma.apiToken.count({ where: { kind: 'admin', revokedAt: null } })).toBe(1);
  });

  it('rotates into a token of the same name, kind and environment with a new secret, and refuses to rotate a revoked one', async () => {
    const old = await tokens.create('test', { name: 'web', kind: 'client', environment: 'production' });
    notices.length = 0;
    const fresh = await tokens.rotate('test', old.id);
    expect(fresh).toMatchObject({ name: 'web', kind: 'client', environment: 'production' });
    expect(fresh.secret).not.toBe(old.secret);
    expect(notices).toEqual([{ resourceType: 'token', resourceKey: old.id }]);

    const refused = await tokens.rotate('test', old.id).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ConflictError);
    expect(refused).toMatchObject({ details: [{ path: 'params.id', message: 'already revoked' }] });
  });
});
