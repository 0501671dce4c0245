import type { FastifyInstance, FastifyRequest } from 'fastify';
import { bearerSecret, type Principal } from '../plugins/auth.ts';
import { forbidden, unauthorized } from '../plugins/http-errors.ts';
import { hashSecret, type TokenKind } from '../tokens/secrets.ts';

type Entry = { principal: Principal; expiresAt: number };

/**
 * SDK endpoints are called at thousands of requests per second with a handful of keys; a database
 * read per request would cap them far below that. Known keys are remembered for `ttlMs`. A revoked
 * or rotated key is forgotten at once on every replica (the token notice on the change bus, sent by
 * the token routes); the TTL bounds the delay only if that notice is lost. Unknown keys are never
 * cached, so random keys cannot fill memory.
 */
export class KeyCache {
  private readonly byHash = new Map<string, Entry>();
  private readonly hashesByToken = new Map<string, string>();

  constructor(
    private readonly authenticate: (secret: string) => Promise<Principal | null>,
    private readonly ttlMs: number,
  ) {}

  async principal(secret: string): Promise<Principal | null> {
    const hash = hashSecret(secret);
    const entry = this.byHash.get(hash);
    if (entry && entry.expiresAt > Date.now()) return entry.principal;
    const principal = await this.authenticate(secret);
    if (!principal) {
      this.byHash.delete(hash);
      return null;
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

  /** An onRequest hook like app.requireServerKey / requireClientKey, answering 401 and 403 the same way. */
  require(kind: TokenKind, description: string) {
    return async (request: FastifyRequest): Promise<void> => {
      const secret = bearerSecret(request);
      if (!secret) throw unauthorized();
      const principal = await this.principal(secret);
      if (!principal) throw unauthorized('The token is unknown or has been revoked');
      if (principal.kind !== kind) throw forbidden(`This route needs ${description}; a ${principal.kind} token cannot use it`);
      request.principal = principal;
    };
  }
}

/** A key cache for `app`, emptied of a token as soon as its revocation notice arrives. */
export function createKeyCache(app: FastifyInstance, ttlMs: number): KeyCache {
  const cache = new KeyCache((secret) => app.authenticateSecret(secret), ttlMs);
  const unsubscribe = app.changeBus.subscribe((notice) => {
    if (notice.resourceType === 'token') cache.forgetToken(notice.resourceKey);
  });
  app.addHook('onClose', async () => unsubscribe());
  return cache;
}
