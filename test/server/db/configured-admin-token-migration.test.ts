import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { hashSecret } from '../../../server/src/auth/secrets.ts';
import { seedOnFirstStart } from '../../../server/src/bootstrap.ts';
import { MIGRATIONS_DIR, migrate } from '../../../server/src/db/migrate.ts';
import { createPrisma } from '../../../server/src/db/prisma.ts';
import { createEmptyDatabase, query } from '../../helpers/database.ts';

// An installation upgraded from before SWITCHYARD_ADMIN_TOKEN's token was marked: each value it was
// ever started with left an active admin token named after the variable, with the first 16
// characters of the secret as its prefix. The migration must let the next start clean that up.

const MIGRATION = '20261201000000_configured_admin_token';
const NAME = 'admin (SWITCHYARD_ADMIN_TOKEN)';

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** The migrations as they were before MIGRATION. */
async function migrationsBefore(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'sy-migrations-before-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  await cp(MIGRATIONS_DIR, dir, { recursive: true, filter: (source) => !source.includes(MIGRATION) });
  return dir;
}

describe(`migration ${MIGRATION}`, () => {
  it('marks the tokens the variable made, keeps 4 characters of chosen secrets, and the next start revokes stale values', async () => {
    const db = await createEmptyDatabase(inject('databaseUrl'));
    cleanups.push(db.drop);
    await migrate(db.url, await migrationsBefore());

    // As the old code left them: the compose default, then a real value, then keys made through the API.
    const [placeholder, current] = ['change-me-to-a-long-random-secret', randomBytes(32).toString('base64')];
    const generated = `sy_server_${randomBytes(32).toString('base64url')}`;
    const rows: [string, string, string][] = [
      ['stale', NAME, placeholder],
      ['current', NAME, current],
      ['ops', 'ops admin', `sy_admin_${randomBytes(32).toString('base64url')}`],
    ];
    for (const [id, name, secret] of rows) {
      await query(db.url, `INSERT INTO "ApiToken" (id, name, kind, "secretHash", prefix) VALUES ($1, $2, 'admin', $3, $4)`, [
        id,
        name,
        hashSecret(secret),
        secret.slice(0, 16),
      ]);
    }
    await query(db.url, `INSERT INTO "Environment" (id, key, name, "updatedAt") VALUES ('env', 'production', 'Production', now())`);
    await query(
      db.url,
      `INSERT INTO "ApiToken" (id, name, kind, "environmentId", "secretHash", prefix) VALUES ('key', 'checkout', 'server', 'env', $1, $2)`,
      [hashSecret(generated), generated.slice(0, 16)],
    );

    expect((await migrate(db.url)).applied).toEqual([MIGRATION]);

    const tokens = await query<{ id: string; prefix: string; configuredBy: string | null }>(
      db.url,
      `SELECT id, prefix, "configuredBy" FROM "ApiToken" ORDER BY id`,
    );
    expect(tokens).toEqual([
      { id: 'current', prefix: current.slice(0, 4), configuredBy: 'SWITCHYARD_ADMIN_TOKEN' },
      { id: 'key', prefix: generated.slice(0, 16), configuredBy: null },
      { id: 'ops', prefix: rows[2]![2].slice(0, 16), configuredBy: null },
      { id: 'stale', prefix: 'chan', configuredBy: 'SWITCHYARD_ADMIN_TOKEN' },
    ]);

    // The next start, with the value in use: the token of the old default is revoked, the rest stays.
    const prisma = createPrisma(db.url, 2);
    cleanups.push(() => prisma.$disconnect());
    expect((await seedOnFirstStart(prisma, { adminToken: current })).configuredAdminToken).toEqual({ outcome: 'unchanged', revoked: 1 });
    const active = await prisma.apiToken.findMany({ where: { revokedAt: null }, orderBy: { id: 'asc' } });
    expect(active.map((token) => token.id)).toEqual(['current', 'key', 'ops']);
  });
});
