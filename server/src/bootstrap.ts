import { lockForTransaction } from './db/locks.ts';
import type { PrismaClient } from './db/prisma.ts';
import { DEFAULT_ENVIRONMENTS } from './environments/repository.ts';
import { displayPrefix, generateSecret, hashSecret } from './auth/secrets.ts';


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
      const secretHash = hashSecret(options.adminToken);
      const existing = await tx.apiToken.findUnique({ where: { secretHash } });
      if (!existing) {
        await tx.apiToken.create({ data: { name: 'admin (SWITCHYARD_ADMIN_TOKEN)', kind: 'admin', secretHash, prefix: displayPrefix(options.adminToken) } });
      }
    } else if ((await tx.apiToken.count({ where: { kind: 'admin', revokedAt: null } })) === 0) {
      const secret = generateSecret('admin');
      await tx.apiToken.create({ data: { name: 'admin (generated at first start)', kind: 'admin', secretHash: hashSecret(secret), prefix: displayPrefix(secret) } });
      result.generatedAdminToken = secret;
    }
    return result;
  });
}
