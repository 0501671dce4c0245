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
