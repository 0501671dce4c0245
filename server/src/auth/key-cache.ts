import { isDatabaseUnavailable } from '../db/errors.ts';
import type { Principal } from './principal.ts';
import { hashSecret } from './secrets.ts';

type Entry = { principal: Principal; expiresAt: number };

/**
 * SDK keys are presented thousands of times a second by a handful of applications; a database read
 * per request would cap the SDK endpoints far below that. Known SDK keys are remembered for `ttlMs`.
 * A revoked or rotated key, or one whose environment was deleted, is forgotten at once on every
 * replica (the token and environment notices on the change bus); the TTL bounds the delay only if
 * that notice is lost. Admin tokens and unknown keys are never cached: admin traffic is light, and
 * random keys cannot fill memory.
 */
export class KeyCache {
  private readonly byHash = new Map<string, Entry>();
  private readonly hashesByToken = new Map<string, string>();

  constructor(
    private readonly lookup: (secret: string) => Promise<Principal | null>,
    private readonly ttlMs: number,
  ) {}

  async principal(secret: string): Promise<Principal | null> {
    const hash = hashSecret(secret);
    const entry = this.byHash.get(hash);
    if (entry && entry.expiresAt > Date.now()) return entry.principal;
    let principal: Principal | null;
    try {
      principal = await this.lookup(secret);
    } catch (error) {
      // The database is down: a key it vouched for keeps its access to the cached rules (a
      // revocation cannot happen meanwhile, and one made before was already forgotten via its notice).
      if (entry && isDatabaseUnavailable(error)) return entry.principal;
      throw error;
    }
    if (!principal || principal.kind === 'admin') {
      this.byHash.delete(hash);
      return principal;
    }
    this.byHash.set(hash, { principal, expiresAt: Date.now() + this.ttlMs });
    this.hashesByToken.set(principal.tokenId, hash);
    return principal;
  }

  forgetToken(tokenId: string): void {
    const hash = this.hashesByToken.get(tokenId);
    if (hash) this.byHash.delete(hash);
    this.hashesByToken.delete(tokenId);
  }
}
