// What the signed-in person may do, as the server decides it (server/src/auth/permissions.ts): the console
// hides what would be refused, and the server refuses it all the same.
import type { Role, Session } from './session.ts';

const RANK: Record<string, number> = { viewer: 1, editor: 2, admin: 3 };
const rank = (role: Role) => RANK[role] ?? 1;

export const roleIn = (session: Session, environment: string): Role => session.environmentRoles[environment] ?? session.role;

/** Holds at least `needed` in `environment`. */
export const mayIn = (session: Session, environment: string, needed: Role): boolean => rank(roleIn(session, environment)) >= rank(needed);

/** Holds at least `needed` in every environment (tokens, creating environments). */
export const mayEverywhere = (session: Session, needed: Role): boolean =>
  [session.role, ...Object.values(session.environmentRoles)].every((role) => rank(role) >= rank(needed));

/** Holds at least `needed` in some environment (creating a flag). */
export const mayAnywhere = (session: Session, needed: Role): boolean =>
  [session.role, ...Object.values(session.environmentRoles)].some((role) => rank(role) >= rank(needed));
