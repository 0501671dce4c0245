import { InProcessChangeBus } from './changes/change-bus.ts';
import { ChangeWriter } from './changes/write-unit.ts';
import { lockForTransaction } from './db/locks.ts';
import type { PrismaClient } from './db/prisma.ts';
import { DEFAULT_ENVIRONMENTS } from './environments/repository.ts';
import { applyConfiguredAdminToken, type ConfiguredAdminToken, createFirstAdminToken } from './tokens/service.ts';
import { queueWebhookDeliveries } from './webhooks/outbox.ts';

export type SeedResult = {
  createdEnvironments: string[];
  /** A newly generated admin secret, to be shown once; null when none was generated. */
  generatedAdminToken: string | null;
  /** What became of SWITCHYARD_ADMIN_TOKEN's token; null when the variable is unset. */
  configuredAdminToken: ConfiguredAdminToken | null;
};

/** The audit log's actor for what Switchyard does by itself at start, as for any write without a token. */
const SYSTEM_ACTOR = 'system';

/**
 * Runs at every start, in one transaction, serialized across replicas starting together. On an empty
 * database: the default environments. Then the admin token: SWITCHYARD_ADMIN_TOKEN's, created when
 * new and replacing the token of an earlier value (tokens/service.ts, applyConfiguredAdminToken); or,
 * without the variable, a generated one when no admin token is active. Token changes are audited.
 */
export async function seedOnFirstStart(prisma: PrismaClient, options: { adminToken?: string | undefined }): Promise<SeedResult> {
  // The app and its change bus do not exist yet: a notice published here reaches no one, and need not
  // (a revoked admin token is refused by every replica from its next request; see applyConfiguredAdminToken).
  const changes = new ChangeWriter({ prisma, bus: new InProcessChangeBus(), onPublishError: () => {} });
  // Token changes at a later start (a new SWITCHYARD_ADMIN_TOKEN) go to the webhooks that want them, as
  // any audited change does; at first start no webhook exists and this queues nothing.
  changes.onAudit(queueWebhookDeliveries);
  return changes.run(SYSTEM_ACTOR, async (w) => {
    await lockForTransaction(w.tx, 'firstStartSeed');
    const result: SeedResult = { createdEnvironments: [], generatedAdminToken: null, configuredAdminToken: null };

    if ((await w.tx.environment.count()) === 0) {
      for (const env of DEFAULT_ENVIRONMENTS) await w.tx.environment.create({ data: env });
      result.createdEnvironments = DEFAULT_ENVIRONMENTS.map((e) => e.key);
    }

    if (options.adminToken) result.configuredAdminToken = await applyConfiguredAdminToken(w, options.adminToken);
    else result.generatedAdminToken = await createFirstAdminToken(w);
    return result;
  });
}

/** A line for the person starting Switchyard about SWITCHYARD_ADMIN_TOKEN's token (never the secret); null: nothing to say. */
export function adminTokenNotice(configured: ConfiguredAdminToken | null): string | null {
  if (!configured) return null;
  if (configured.outcome === 'revoked') {
    return (
      'Warning: SWITCHYARD_ADMIN_TOKEN is a revoked admin token: it stays revoked and opens nothing. ' +
      'Set it to a new secret to create a new admin token.'
    );
  }
  const count = configured.revoked;
  const revoked =
    count === 0 ? '' : `; revoked the ${count === 1 ? 'token of its earlier value' : `${count} tokens of its earlier values`}`;
  if (configured.outcome === 'created') return `Admin token: created the token of SWITCHYARD_ADMIN_TOKEN${revoked}`;
  return revoked ? `Admin token: SWITCHYARD_ADMIN_TOKEN unchanged${revoked}` : null;
}
