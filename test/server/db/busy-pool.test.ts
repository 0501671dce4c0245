/**
 * A write that cannot get a database connection in time (every connection of the pool busy for the
 * transaction's maxWait) is answered 503 with Retry-After, says nothing changed, and changed nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../../server/src/app.ts';
import { createPrisma } from '../../../server/src/db/prisma.ts';
import { createTestApp, type TestApp } from '../../helpers/app.ts';

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({ dueWork: { enabled: false } });
});
afterAll(async () => {
  await t?.close();
});

describe('a busy database', () => {
  it('answers a write it cannot start in time with 503 and Retry-After, and changes nothing', { timeout: 40_000 }, async () => {
    // A replica of t's service whose pool has one connection, held by a transaction for the whole request.
    const prisma = createPrisma(t.db.url, 1);
    const app = await buildApp({ prisma, dueWork: { enabled: false } });
    await app.ready();
    let release = () => {};
    const held = prisma.$transaction(
      async (tx) => {
        await tx.$queryRawUnsafe('SELECT 1');
        await new Promise<void>((resolve) => {
          release = resolve;
        });
      },
      { timeout: 25_000 },
    );
    try {
      const res = await app.inject({
        method: 'POST',
        url: '/api/flags',
        headers: { authorization: `Bearer ${t.adminToken}` },
        payload: { key: 'never-made', name: 'Never made', kind: 'boolean' },
      });
      expect(res.statusCode, res.body).toBe(503);
      expect(res.headers['retry-after']).toBe('1');
      expect(res.json()).toMatchObject({ error: 'unavailable', message: 'The database is busy; nothing was changed. Retry shortly.' });
    } finally {
      release();
      await held;
      await app.close();
      await prisma.$disconnect();
    }
    expect(await t.db.prisma.flag.count({ where: { key: 'never-made' } })).toBe(0);
  });
});
