import { request } from '../../api/client.ts';
import type { Role } from '../../api/session.ts';

export type TokenKind = 'admin' | 'server' | 'client';

/** A token as GET /api/tokens lists it (server/src/tokens/schemas.ts): never its secret. */
export type Token = {
  id: string;
  name: string;
  kind: TokenKind;
  environment: string | null;
  prefix: string;
  role?: Role;
  environmentRoles?: Record<string, Role>;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
};

export type CreatedToken = Omit<Token, 'lastUsedAt' | 'revokedAt'> & { secret: string };

export type NewToken =
  | { name: string; kind: 'admin'; role: Role; environmentRoles: Record<string, Role> }
  | { name: string; kind: 'server' | 'client'; environment: string };

export type Roles = { role: Role; environmentRoles: Record<string, Role> };

export const listTokens = async () => (await request<{ items: Token[] }>('GET', '/tokens')).items;

/** The answer holds the secret, once: the server keeps only its hash. */
export const createToken = (token: NewToken) => request<CreatedToken>('POST', '/tokens', { body: token });

export const updateTokenRoles = (id: string, roles: Roles) => request<Token>('PATCH', `/tokens/${encodeURIComponent(id)}`, { body: roles });

export const revokeToken = (id: string) => request<Token>('DELETE', `/tokens/${encodeURIComponent(id)}`);
