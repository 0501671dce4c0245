import type { PrismaClient } from '../../../server/src/db/prisma.ts';

/**
 * The whole database as one JSON text: every table of the public schema (found in the catalogue, so
 * a new table cannot be missed) by name, each ordered by its whole row (tables with a composite key
 * have no `id`), rows as PostgreSQL renders them. Used to
 * prove that refused requests changed nothing. `ApiToken.lastUsedAt` is reduced to whether it is
 * set: authentication records a token's use (at most once a minute per token), which is not a change
 * that the refused request made.
 */
export async function dumpDatabase(prisma: PrismaClient): Promise<string> {
  const tables = await prisma.$queryRaw<{ name: string }[]>`
    SELECT table_name AS name FROM information_schema.tables
    WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> '_prisma_migrations'
    ORDER BY table_name`;
  const parts: string[] = [];
  for (const { name } of tables) {
    const rows = await prisma.$queryRawUnsafe<{ row: string }[]>(`SELECT row_to_json(t)::text AS row FROM "${name}" t ORDER BY 1`);
    const texts = rows.map(({ row }) => (name === 'ApiToken' ? row.replace(/"lastUsedAt":"[^"]*"/, '"lastUsedAt":"(set)"') : row));
    parts.push(`${name}:\n${texts.join('\n')}`);
  }
  return parts.join('\n');
}
