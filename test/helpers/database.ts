import { createHash, randomBytes } from 'node:crypto';
import pg from 'pg';
import { migrate, readMigrations } from '../../server/src/db/migrate.ts';
import { createPrisma, type PrismaClient } from '../../server/src/db/prisma.ts';

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** Runs one statement on its own connection and returns its rows. */
export async function query<T extends pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/**
 * A migrated template database, named after the migrations' checksums, so that each test file
 * can copy it in milliseconds instead of migrating a database of its own.
 */
export async function prepareTemplateDatabase(baseUrl: string): Promise<string> {
  const migrations = await readMigrations();
  const digest = createHash('sha256')
    .update(migrations.map((m) => m.checksum).join(','))
    .digest('hex')
    .slice(0, 12);
  const name = `sy_template_${digest}`;
  const client = new pg.Client({ connectionString: baseUrl });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount === 0) {
      const building = `${name}_build_${randomBytes(3).toString('hex')}`;
      await client.query(`CREATE DATABASE "${building}"`);
      await migrate(withDatabase(baseUrl, building));
      await client.query(`ALTER DATABASE "${building}" RENAME TO "${name}"`).catch(async () => {
        await client.query(`DROP DATABASE IF EXISTS "${building}"`); // another run won the race
      });
    }
  } finally {
    await client.end();
  }
  return name;
}

export type TestDatabase = { url: string; name: string; prisma: PrismaClient; drop(): Promise<void> };

/** A fresh database of its own for one test file, copied from the migrated template. */
export async function createTestDatabase(baseUrl: string, template: string, runId = 'adhoc'): Promise<TestDatabase> {
  const name = `sy_test_${runId}_${process.pid}_${randomBytes(4).toString('hex')}`;
  await query(baseUrl, `CREATE DATABASE "${name}" TEMPLATE "${template}"`);
  const url = withDatabase(baseUrl, name);
  const prisma = createPrisma(url, 5);
  return {
    url,
    name,
    prisma,
    async drop() {
      await prisma.$disconnect();
      await query(baseUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    },
  };
}

/** An empty database (no migrations), for the migration tests themselves. */
export async function createEmptyDatabase(baseUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `sy_empty_${process.pid}_${randomBytes(4).toString('hex')}`;
  await query(baseUrl, `CREATE DATABASE "${name}"`);
  return {
    url: withDatabase(baseUrl, name),
    drop: async () => {
      await query(baseUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    },
  };
}

/**
 * Drops the databases a test run created and did not drop itself (a file that failed before its
 * afterAll, a worker that was killed), so repeated runs leave nothing behind.
 */
export async function dropRunDatabases(baseUrl: string, runId: string): Promise<void> {
  const client = new pg.Client({ connectionString: baseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname LIKE $1', [
      `sy_test_${runId}_%`,
    ]);
    for (const { datname } of rows) await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}
