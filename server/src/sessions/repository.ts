import { hashSecret } from '../auth/secrets.ts';
import type { Db, Prisma } from '../db/prisma.ts';

const withToken = { token: { include: { environment: { select: { key: true } } } } } as const;

/** A stored session with its token (and the token's environment key). */
export type SessionRow = Prisma.SessionGetPayload<{ include: typeof withToken }>;

/** The token whose secret this is, revoked or not: looked up by the secret's hash. */
export function findTokenBySecret(db: Db, secret: string) {
  return db.apiToken.findUnique({ where: { secretHash: hashSecret(secret) }, include: { environment: { select: { key: true } } } });
}

/** Stores a session under the hash of its cookie secret; the secret itself is never stored. */
export function insertSession(db: Db, data: { secret: string; tokenId: string; csrfToken: string; expiresAt: Date }) {
  const { secret, ...session } = data;
  return db.session.create({ data: { id: hashSecret(secret), ...session } });
}

export function findSessionBySecret(db: Db, secret: string): Promise<SessionRow | null> {
  return db.session.findUnique({ where: { id: hashSecret(secret) }, include: withToken });
}

export async function touchSession(db: Db, id: string, at: Date): Promise<void> {
  await db.session.updateMany({ where: { id }, data: { lastSeenAt: at } });
}

export async function deleteSession(db: Db, id: string): Promise<void> {
  await db.session.deleteMany({ where: { id } });
}

export async function deleteSessionsOfToken(db: Db, tokenId: string): Promise<void> {
  await db.session.deleteMany({ where: { tokenId } });
}

export async function deleteExpiredSessions(db: Db, now: Date): Promise<void> {
  await db.session.deleteMany({ where: { expiresAt: { lte: now } } });
}
