import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { forbidden, unauthorized } from './http-errors.ts';
import { hashSecret, type TokenKind } from '../tokens/secrets.ts';

export type Principal = {
  tokenId: string;
  name: string;
  kind: TokenKind;
  /** Set for server and client keys: the one environment they belong to. */
  environmentId: string | null;
  environmentKey: string | null;
};

declare module 'fastify' {
  interface FastifyInstance {
    /** Resolves a bearer secret to its principal, or null when unknown or revoked. */
    authenticateSecret(secret: string): Promise<Principal | null>;
    requireAdmin(request: FastifyRequest, reply: FastifyReply): Promise<void>;
    requireServerKey(request: FastifyRequest, reply: FastifyReply): Promise<void>;
    requireClientKey(request: FastifyRequest, reply: FastifyReply): Promise<void>;
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
}

const LAST_USED_RESOLUTION_MS = 60_000;

export function bearerSecret(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (!header) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1] ?? null;
}

export default fp(
  async function auth(app: FastifyInstance) {
    const lastUsedWrites = new Map<string, number>();

    app.decorateRequest('principal', null);

    app.decorate('authenticateSecret', async (secret: string): Promise<Principal | null> => {
      const token = await app.prisma.apiToken.findUnique({
        where: { secretHash: hashSecret(secret) },
        include: { environment: { select: { key: true } } },
      });
      if (!token || token.revokedAt) return null;
      const now = Date.now();
      if (now - (lastUsedWrites.get(token.id) ?? token.lastUsedAt?.getTime() ?? 0) > LAST_USED_RESOLUTION_MS) {
        lastUsedWrites.set(token.id, now);
        app.prisma.apiToken
          .update({ where: { id: token.id }, data: { lastUsedAt: new Date(now) } })
          .catch((err: unknown) => app.log.warn({ err }, 'could not record token use'));
      }
      return {
        tokenId: token.id,
        name: token.name,
        kind: token.kind,
        environmentId: token.environmentId,
        environmentKey: token.environment?.key ?? null,
      };
    });

    const requireKind = (kind: TokenKind, description: string) =>
      async function (request: FastifyRequest): Promise<void> {
        const secret = bearerSecret(request);
        if (!secret) throw unauthorized();
        const principal = await app.authenticateSecret(secret);
        if (!principal) throw unauthorized('The token is unknown or has been revoked');
        if (principal.kind !== kind) throw forbidden(`This route needs ${description}; a ${principal.kind} token cannot use it`);
        request.principal = principal;
      };

    app.decorate('requireAdmin', requireKind('admin', 'an admin token'));
    app.decorate('requireServerKey', requireKind('server', 'a server SDK key'));
    app.decorate('requireClientKey', requireKind('client', 'a client key'));
  },
  { name: 'auth', dependencies: ['prisma'] },
);
