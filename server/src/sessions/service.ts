import { randomBytes } from 'node:crypto';
import type { SessionOutcome } from '../auth/plugin.ts';
import { type Principal, principalOf } from '../auth/principal.ts';
import type { ChangeWriter } from '../changes/write-unit.ts';
import type { PrismaClient } from '../db/prisma.ts';
import {
  deleteExpiredSessions,
  deleteSession,
  deleteSessionsOfToken,
  findSessionBySecret,
  findTokenBySecret,
  insertSession,
  touchSession,
} from './repository.ts';
import type { SessionView } from './schemas.ts';

export const DEFAULT_SESSION_HOURS = 12;
/** lastSeenAt is a hint for people reviewing sessions, not an audit: one write a minute at most. */
const LAST_SEEN_RESOLUTION_MS = 60_000;

const newSecret = () => randomBytes(32).toString('base64url');

function toView(principal: Principal, csrfToken: string, expiresAt: Date): SessionView {
  const person = principal.person ?? { role: 'viewer' as const, environmentRoles: {} };
  return {
    name: principal.name,
    role: person.role,
    environmentRoles: { ...person.environmentRoles },
    csrfToken,
    expiresAt: expiresAt.toISOString(),
  };
}

/** What the audit log keeps of a sign-in or sign-out: who and with which roles, never a secret or the CSRF token. */
function auditedSession(principal: Principal, expiresAt: Date) {
  const person = principal.person ?? { role: 'viewer' as const, environmentRoles: {} };
  return { tokenId: principal.tokenId, name: principal.name, role: person.role, environmentRoles: person.environmentRoles, expiresAt };
}

/**
 * Console sessions: a personal token is exchanged once for a cookie secret (256 bits, stored only as
 * its SHA-256, like tokens) and a CSRF token. A session lasts `lifetimeHours` from sign-in, whatever
 * its use; it ends at once when its token is revoked, since every request reads the token with it.
 * Signing in and out are audited under the person's token name (`session.signed-in`, `session.signed-out`).
 */
export class SessionService {
  readonly lifetimeMs: number;

  constructor(private readonly deps: { prisma: PrismaClient; changes: ChangeWriter; lifetimeHours?: number | undefined }) {
    this.lifetimeMs = (deps.lifetimeHours ?? DEFAULT_SESSION_HOURS) * 3_600_000;
  }

  /** A new session for the person whose token this is; null when it is unknown, revoked, or an SDK key. */
  async signIn(token: string): Promise<{ secret: string; view: SessionView } | null> {
    const row = await findTokenBySecret(this.deps.prisma, token);
    if (!row || row.revokedAt || row.kind !== 'admin') return null;
    const now = new Date();
    await deleteExpiredSessions(this.deps.prisma, now);
    const secret = newSecret();
    const csrfToken = newSecret();
    const expiresAt = new Date(now.getTime() + this.lifetimeMs);
    const principal = principalOf(row);
    await this.deps.changes.run(principal.name, async (w) => {
      await insertSession(w.tx, { secret, tokenId: row.id, csrfToken, expiresAt });
      await w.audit({
        action: 'session.signed-in',
        resourceType: 'session',
        resourceKey: row.id,
        after: auditedSession(principal, expiresAt),
      });
    });
    return { secret, view: toView(principal, csrfToken, expiresAt) };
  }

  /** What the cookie stands for; an expired session or one of a revoked token is deleted on the way. */
  lookup = async (secret: string): Promise<SessionOutcome> => {
    const row = await findSessionBySecret(this.deps.prisma, secret);
    if (!row) return { status: 'unknown' };
    const now = new Date();
    if (row.token.revokedAt) {
      await deleteSessionsOfToken(this.deps.prisma, row.tokenId);
      return { status: 'ended' };
    }
    if (row.expiresAt <= now) {
      await deleteSession(this.deps.prisma, row.id);
      return { status: 'ended' };
    }
    if (now.getTime() - row.lastSeenAt.getTime() > LAST_SEEN_RESOLUTION_MS) await touchSession(this.deps.prisma, row.id, now);
    return { status: 'active', principal: principalOf(row.token), csrfToken: row.csrfToken, expiresAt: row.expiresAt };
  };

  /** The session's view for a valid cookie, else null. */
  static view(session: Extract<SessionOutcome, { status: 'active' }>): SessionView {
    return toView(session.principal, session.csrfToken, session.expiresAt);
  }

  async signOut(secret: string): Promise<void> {
    const row = await findSessionBySecret(this.deps.prisma, secret);
    if (!row) return;
    const principal = principalOf(row.token);
    await this.deps.changes.run(principal.name, async (w) => {
      await deleteSession(w.tx, row.id);
      await w.audit({
        action: 'session.signed-out',
        resourceType: 'session',
        resourceKey: row.tokenId,
        before: auditedSession(principal, row.expiresAt),
      });
    });
  }
}
