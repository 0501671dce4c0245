import { createHash } from 'node:crypto';
import { appendFile, cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { MIGRATIONS_DIR, migrate, readMigrations } from '../../../server/src/db/migrate.ts';
import { createEmptyDatabase, query } from '../../helpers/database.ts';
import { parsePrismaSchema } from './prisma-schema.ts';

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function emptyDatabase(): Promise<string> {
  const db = await createEmptyDatabase(inject('databaseUrl'));
  cleanups.push(db.drop);
  return db.url;
}

const tablesOf = async (url: string) =>
  (
    await query<{ table_name: string }>(
      url,
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`,
    )
  ).map((r) => r.table_name);

type BookkeepingRow = {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
  applied_steps_count: number;
};
const bookkeepingOf = (url: string) =>
  query<BookkeepingRow>(
    url,
    'SELECT migration_name, checksum, finished_at, rolled_back_at, applied_steps_count FROM "_prisma_migrations" ORDER BY migration_name',
  );

/** A copy of the real migrations that a test may change. */
async function copyOfMigrations(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'sy-migrations-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  await cp(MIGRATIONS_DIR, dir, { recursive: true });
  return dir;
}

describe('migrate()', () => {
  it('creates every table of schema.prisma on an empty database and records each migration with the sha256 of its file', async () => {
    const url = await emptyDatabase();
    const migrations = await readMigrations();
    expect(migrations.length).toBeGreaterThan(0);

    const result = await migrate(url);

    expect(result).toEqual({ applied: migrations.map((m) => m.name), alreadyApplied: [] });
    const models = (await parsePrismaSchema()).models.map((m) => m.name);
    expect(await tablesOf(url)).toEqual([...models, '_prisma_migrations'].sort());

    const rows = await bookkeepingOf(url);
    expect(rows.map((r) => r.migration_name)).toEqual(migrations.map((m) => m.name));
    for (const row of rows) {
      const file = await readFile(path.join(MIGRATIONS_DIR, row.migration_name, 'migration.sql'));
      expect(row.checksum).toBe(createHash('sha256').update(file).digest('hex'));
      expect(row.finished_at).toBeInstanceOf(Date);
      expect(row.rolled_back_at).toBeNull();
      expect(row.applied_steps_count).toBe(1);
    }
  });

  it('applies nothing when run again', async () => {
    const url = await emptyDatabase();
    await migrate(url);
    const before = await bookkeepingOf(url);

    const again = await migrate(url);

    expect(again).toEqual({ applied: [], alreadyApplied: (await readMigrations()).map((m) => m.name) });
    expect(await bookkeepingOf(url)).toEqual(before);
  });

  it('lets five replicas migrate the same empty database at once, applying each migration exactly once', async () => {
    const url = await emptyDatabase();
    const names = (await readMigrations()).map((m) => m.name);

    const results = await Promise.all(Array.from({ length: 5 }, () => migrate(url)));

    expect(results.flatMap((r) => r.applied).sort()).toEqual([...names].sort());
    for (const result of results) expect([...result.applied, ...result.alreadyApplied].sort()).toEqual([...names].sort());
    expect((await bookkeepingOf(url)).map((r) => r.migration_name)).toEqual(names);
  });

  it('applies a new migration after the ones already applied', async () => {
    const url = await emptyDatabase();
    const dir = await copyOfMigrations();
    await migrate(url, dir);
    await mkdir(path.join(dir, '29991231000000_add_probe'));
    await writeFile(path.join(dir, '29991231000000_add_probe', 'migration.sql'), 'CREATE TABLE "Probe" ("id" TEXT NOT NULL);\n');

    const result = await migrate(url, dir);

    expect(result.applied).toEqual(['29991231000000_add_probe']);
    expect(await tablesOf(url)).toContain('Probe');
  });

  it('refuses to start when an applied migration file was changed afterwards (checksum mismatch)', async () => {
    const url = await emptyDatabase();
    const dir = await copyOfMigrations();
    await migrate(url, dir);
    const [first] = await readMigrations(dir);
    await appendFile(path.join(dir, first!.name, 'migration.sql'), '\n-- edited after release\n');

    await expect(migrate(url, dir)).rejects.toThrow(`Migration ${first!.name} was changed after it was applied (checksum mismatch)`);
  });

  it('rolls a failing migration back entirely: no half-made tables and no bookkeeping row, so it can be fixed and rerun', async () => {
    const url = await emptyDatabase();
    const dir = await copyOfMigrations();
    await migrate(url, dir);
    const broken = path.join(dir, '29991231000000_broken');
    await mkdir(broken);
    await writeFile(
      path.join(broken, 'migration.sql'),
      'CREATE TABLE "HalfMade" ("id" TEXT);\nALTER TABLE "NoSuchTable" ADD COLUMN "x" TEXT;\n',
    );

    await expect(migrate(url, dir)).rejects.toThrow(/Migration 29991231000000_broken failed: .*NoSuchTable/);
    expect(await tablesOf(url)).not.toContain('HalfMade');
    expect((await bookkeepingOf(url)).map((r) => r.migration_name)).not.toContain('29991231000000_broken');

    await writeFile(path.join(broken, 'migration.sql'), 'CREATE TABLE "HalfMade" ("id" TEXT);\n');
    expect((await migrate(url, dir)).applied).toEqual(['29991231000000_broken']);
  });
});
