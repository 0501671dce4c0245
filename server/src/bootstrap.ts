import { generateSecret } from './auth/secrets.ts';
import { lockForTransaction } from './db/locks.ts';
import type { PrismaClient } from './db/prisma.ts';
import { DEFAULT_ENVIRONMENTS } from './environments/repository.ts';
import { countActiveAdminTokens, findTokenBySecret, insertToken } from './tokens/repository.ts';

export type SeedResult = {
  createdEnvironments: string[];
  /** A newly generated admin secret, to be shown once; null when none was generated. */
  generatedAdminToken: string | null;
};

/**
 * First start on an empty database: the default environments, and an admin token (the one in
 * SWITCHYARD_ADMIN_TOKEN when given, else a generated one). Safe when replicas start together.
 */
export async function seedOnFirstStart(prisma: PrismaClient, options: { adminToken?: string | undefined }): Promise<SeedResult> {
  return prisma.$transaction(async (tx) => {
    await lockForTransaction(tx, 'firstStartSeed');
    const result: SeedResult = { createdEnvironments: [], generatedAdminToken: null };

    if ((await tx.environment.count()) === 0) {
      for (const env of DEFAULT_ENVIRONMENTS) await tx.environment.create({ data: env });
      result.createdEnvironments = DEFAULT_ENVIRONMENTS.map((e) => e.key);
    }

    if (options.adminToken) {
      if (!(await findTokenBySecret(tx, options.adminToken))) {
        await insertToken(tx, { name: 'admin (SWITCHYARD_ADMIN_TOKEN)', kind: 'admin', environmentId: null, secret: options.adminToken });
      }
    } else if ((await countActiveAdminTokens(tx)) === 0) {
      const secret = generateSecret('admin');
      await insertToken(tx, { name: 'admin (generated at first start)', kind: 'admin', environmentId: null, secret });
      result.generatedAdminToken = secret;
    }
    return result;
  });
}
