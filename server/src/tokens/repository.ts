import type { Role } from '../auth/permissions.ts';
import { displayPrefix, hashSecret, type TokenKind } from '../auth/secrets.ts';
import type { Db, Prisma, Transaction } from '../db/prisma.ts';

const withEnvironmentKey = { environment: { select: { key: true } } } as const;

/** A stored token with its environment's key (null for admin tokens). */
export type TokenRow = Prisma.ApiTokenGetPayload<{ include: typeof withEnvironmentKey }>;

export function findToken(db: Db, id: string): Promise<TokenRow | null> {
  return db.apiToken.findUnique({ where: { id }, include: withEnvironmentKey });
}

/** The token whose secret this is, revoked or not: looked up by the secret's hash, never by the secret. */
export function findTokenBySecret(db: Db, secret: string): Promise<TokenRow | null> {
  return db.apiToken.findUnique({ where: { secretHash: hashSecret(secret) }, include: withEnvironmentKey });
}

export type TokenFilter = { kind?: TokenKind | undefined; environmentId: string | null; includeRevoked: boolean };

/** Oldest first; `environmentId` null: of every environment (and none). */
export function listTokens(db: Db, filter: TokenFilter): Promise<TokenRow[]> {
  return db.apiToken.findMany({
    where: {
      ...(filter.kind ? { kind: filter.kind } : {}),
      ...(filter.environmentId ? { environmentId: filter.environmentId } : {}),
      ...(filter.includeRevoked ? {} : { revokedAt: null }),
    },
    include: withEnvironmentKey,
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
  });
}

/** Stores a new token: only the secret's hash and its display prefix, never the secret itself. */
export function insertToken(
  tx: Transaction,
  data: {
    name: string;
    kind: TokenKind;
    environmentId: string | null;
    secret: string;
    configuredBy?: string;
    role?: Role;
    environmentRoles?: Record<string, Role>;
  },
): Promise<TokenRow> {
  const { secret, ...token } = data;
  return tx.apiToken.create({
    data: { ...token, secretHash: hashSecret(secret), prefix: displayPrefix(secret) },
    include: withEnvironmentKey,
  });
}

/** The active tokens a setting created (`configuredBy`, e.g. SWITCHYARD_ADMIN_TOKEN), oldest first. */
export function listActiveConfiguredTokens(db: Db, configuredBy: string): Promise<TokenRow[]> {
  return db.apiToken.findMany({
    where: { configuredBy, revokedAt: null },
    include: withEnvironmentKey,
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
  });
}

/** The roles of the admin-kind tokens not revoked, leaving out `except` when given. */
export function listActiveAdminRoles(db: Db, options: { except?: string } = {}) {
  const except = options.except !== undefined ? { id: { not: options.except } } : {};
  return db.apiToken.findMany({ where: { kind: 'admin', revokedAt: null, ...except }, select: { role: true, environmentRoles: true } });
}

/** Sets a person's roles; `environmentRoles` replaces the stored map when given. */
export function updateTokenRoles(
  tx: Transaction,
  id: string,
  roles: { role?: Role | undefined; environmentRoles?: Record<string, Role> | undefined },
): Promise<TokenRow> {
  return tx.apiToken.update({
    where: { id },
    data: {
      ...(roles.role !== undefined ? { role: roles.role } : {}),
      ...(roles.environmentRoles !== undefined ? { environmentRoles: roles.environmentRoles } : {}),
    },
    include: withEnvironmentKey,
  });
}

/** Sets revokedAt unless it is already set; returns whether this call revoked it. */
export async function revokeToken(tx: Transaction, id: string, at: Date): Promise<boolean> {
  const { count } = await tx.apiToken.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: at } });
  return count === 1;
}

/** Of the given token ids, those still active (not revoked, not deleted with their environment). */
export async function activeTokenIds(db: Db, ids: readonly string[]): Promise<Set<string>> {
  const rows = await db.apiToken.findMany({ where: { id: { in: [...ids] }, revokedAt: null }, select: { id: true } });
  return new Set(rows.map((row) => row.id));
}
