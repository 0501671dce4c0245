import { hashSecret } from '../auth/secrets.ts';
import type { Db, Prisma, Transaction } from '../db/prisma.ts';

const withKeys = { flag: { select: { key: true } }, environment: { select: { key: true } } } as const;

/** A stored trigger with its flag's and environment's keys. */
export type TriggerRow = Prisma.FlagTriggerGetPayload<{ include: typeof withKeys }>;

export function findTrigger(db: Db, id: string): Promise<TriggerRow | null> {
  return db.flagTrigger.findUnique({ where: { id }, include: withKeys });
}

/**
 * The trigger whose secret this is, revoked or not: looked up by the secret's hash through the unique
 * index, so the secret is never compared in application code (as for tokens, see auth/plugin.ts).
 */
export function findTriggerBySecret(db: Db, secret: string): Promise<TriggerRow | null> {
  return db.flagTrigger.findUnique({ where: { secretHash: hashSecret(secret) }, include: withKeys });
}

/** Every trigger of the flag in the environment, revoked ones included, oldest first. */
export function listTriggers(db: Db, flagId: string, environmentId: string): Promise<TriggerRow[]> {
  return db.flagTrigger.findMany({
    where: { flagId, environmentId },
    include: withKeys,
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
  });
}

/** Whether an active trigger of the flag in the environment already has this name. */
export async function activeNameTaken(tx: Transaction, flagId: string, environmentId: string, name: string): Promise<boolean> {
  return (await tx.flagTrigger.count({ where: { flagId, environmentId, name, revokedAt: null } })) > 0;
}

/** Stores a new trigger: only the secret's hash and its display prefix, never the secret itself. */
export function insertTrigger(
  tx: Transaction,
  data: { flagId: string; environmentId: string; name: string; action: string; secret: string; secretPrefix: string; createdBy: string },
): Promise<TriggerRow> {
  const { secret, ...trigger } = data;
  return tx.flagTrigger.create({ data: { ...trigger, secretHash: hashSecret(secret) }, include: withKeys });
}

/** Sets revokedAt unless it is already set; returns whether this call revoked it. */
export async function revokeTrigger(tx: Transaction, id: string, at: Date): Promise<boolean> {
  const { count } = await tx.flagTrigger.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: at } });
  return count === 1;
}

/**
 * Counts a call (calls + 1, lastCalledAt) and locks the trigger's row until the transaction ends. With
 * `onlyActive` (the default) a revoked trigger is not counted and this returns false: a revocation
 * running at the same moment either waits for this transaction or has already won.
 */
export async function recordCall(tx: Transaction, id: string, at: Date, options: { onlyActive?: boolean } = {}): Promise<boolean> {
  const { count } = await tx.flagTrigger.updateMany({
    where: { id, ...(options.onlyActive === false ? {} : { revokedAt: null }) },
    data: { calls: { increment: 1 }, lastCalledAt: at },
  });
  return count === 1;
}
