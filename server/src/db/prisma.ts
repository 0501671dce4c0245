import { PrismaPg } from '@prisma/adapter-pg';
import { type Prisma, PrismaClient } from '../generated/prisma/client.ts';

export type { PrismaClient } from '../generated/prisma/client.ts';
export { Prisma } from '../generated/prisma/client.ts';

/** The client inside `prisma.$transaction(async (tx) => ...)`. */
export type Transaction = Prisma.TransactionClient;

/** What a read can run on: the client, or a transaction it is part of. */
export type Db = PrismaClient | Transaction;

export function createPrisma(databaseUrl: string, poolSize = 10): PrismaClient {
  const adapter = new PrismaPg({ connectionString: databaseUrl, max: poolSize });
  return new PrismaClient({ adapter });
}
