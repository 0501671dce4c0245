import { type Person, parseEnvironmentRoles, type Role } from './permissions.ts';
import type { TokenKind } from './secrets.ts';

/** Who a request acts as: the token it presented (as a bearer secret, or through a console session). */
export type Principal = {
  tokenId: string;
  name: string;
  kind: TokenKind;
  /** Set for server and client keys: the one environment they belong to. */
  environmentId: string | null;
  environmentKey: string | null;
  /** Set for admin-kind tokens (people): their roles. Null for SDK keys. */
  person: Person | null;
};

/** The columns of a stored token a principal is made of. */
export type PrincipalRow = {
  id: string;
  name: string;
  kind: TokenKind;
  environmentId: string | null;
  environment: { key: string } | null;
  role: Role;
  environmentRoles: unknown;
};

export function principalOf(token: PrincipalRow): Principal {
  return {
    tokenId: token.id,
    name: token.name,
    kind: token.kind,
    environmentId: token.environmentId,
    environmentKey: token.environment?.key ?? null,
    person: token.kind === 'admin' ? { role: token.role, environmentRoles: parseEnvironmentRoles(token.environmentRoles) } : null,
  };
}

/** The name a write is audited under: the token's name, or `system` for the server's own writes. */
export const actorName = (principal: Principal | null): string => principal?.name ?? 'system';
