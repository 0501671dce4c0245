import type { Db, Prisma, Transaction } from '../db/prisma.ts';

export type ReleaseTemplateRow = Prisma.ReleaseTemplateGetPayload<object>;

export function findTemplate(db: Db, key: string): Promise<ReleaseTemplateRow | null> {
  return db.releaseTemplate.findUnique({ where: { key } });
}

export function listTemplates(db: Db): Promise<ReleaseTemplateRow[]> {
  return db.releaseTemplate.findMany({ orderBy: { key: 'asc' } });
}

export function insertTemplate(tx: Transaction, data: Prisma.ReleaseTemplateCreateInput): Promise<ReleaseTemplateRow> {
  return tx.releaseTemplate.create({ data });
}

/** Writes the template's next version if it is still at `version`; null when it is not (or is gone). */
export async function updateTemplateAtVersion(
  tx: Transaction,
  key: string,
  version: number,
  data: Prisma.ReleaseTemplateUpdateInput,
): Promise<ReleaseTemplateRow | null> {
  const written = await tx.releaseTemplate.updateMany({ where: { key, version }, data: { ...data, version: { increment: 1 } } });
  return written.count === 1 ? findTemplate(tx, key) : null;
}

export async function deleteTemplate(tx: Transaction, key: string): Promise<boolean> {
  return (await tx.releaseTemplate.deleteMany({ where: { key } })).count === 1;
}
