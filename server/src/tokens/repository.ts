import { lockForTransaction } from '../db/locks.ts';
import type { PrismaClient, Transaction } from '../db/prisma.ts';
import { conflict, notFound } from '../http/http-error.ts';
import type { TokenView } from './schemas.ts';
import { displayPrefix, generateSecret, hashSecret, type TokenKind } from '../auth/secrets.ts';

type TokenRow = {
  id: string;
  name: string;
  kind: TokenKind;
  prefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  environment: { key: string } | null;
};

export const withEnvironmentKey = { environment: { select: { key: true } } } as const;

export const toTokenView = (row: TokenRow): TokenView => ({
  id: row.id,
  name: row.name,
  kind: row.kind,
  environment: row.environment?.key ?? null,
  prefix: row.prefix,
  createdAt: row.createdAt.toISOString(),
  lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
  revokedAt: row.revokedAt?.toISOString() ?? null,
});

/** A just-created token as the audit log and the creation answer show it (the latter adds the secret). */
export function toNewTokenView(row: TokenRow): Omit<TokenView, 'lastUsedAt' | 'revokedAt'> {
  const { lastUsedAt: _lastUsedAt, revokedAt: _revokedAt, ...view } = toTokenView(row);
  return view;
}

/** Stores a new token (its hash only) and returns the row and the secret, which exists nowhere else. */
export async function insertToken(tx: Transaction, data: { name: string; kind: TokenKind; environmentId: string | null }) {
  const secret = generateSecret(data.kind);
  const row = await tx.apiToken.create({
    data: { ...data, secretHash: hashSecret(secret), prefix: displayPrefix(secret) },
    include: withEnvironmentKey,
  });
  return { row, secret };
}

export async function requireToken(db: PrismaClient | Transaction, id: string) {
  const token = await db.apiToken.findUnique({ where: { id }, include: withEnvironmentKey });
  if (!token) throw notFound(`Token "${id}"`);
  return token;
}


/**
 * Refuses to leave the service without an active admin token. The advisory lock serializes
 * concurrent revocations, so two admins revoking each other at once cannot both succeed.
 */
export async function assertAnotherActiveAdmin(tx: Transaction, revokingId: string): Promise<void> {
  await lockForTransaction(tx, 'adminTokens');
  const others = await tx.apiToken.count({ where: { kind: 'admin', revokedAt: null, id: { not: revokingId } } });
  if (others === 0) {
    throw conflict('This is the last active admin token: create another admin token before revoking it', [
      { path: 'params.id', message: 'the last active admin token cannot be revoked' },
    ]);
  }
}

/** Sets revokedAt unless it is already set; returns whether this call revoked it. */
export async function revokeToken(tx: Transaction, id: string, at: Date): Promise<boolean> {
  const { count } = await tx.apiToken.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: at } });
  return count === 1;
}
