import type { TokenKind } from './secrets.ts';

/** Who a request acts as: the token it presented. */
export type Principal = {
  tokenId: string;
  name: string;
  kind: TokenKind;
  /** Set for server and client keys: the one environment they belong to. */
  environmentId: string | null;
  environmentKey: string | null;
};

/** The name a write is audited under: the token's name, or `system` for the server's own writes. */
export const actorName = (principal: Principal | null): string => principal?.name ?? 'system';
