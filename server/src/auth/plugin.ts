import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { forbidden, unauthorized } from '../http/http-error.ts';
import { KeyCache } from './key-cache.ts';
import { authorize, requirementFor } from './permissions.ts';
import { type Principal, principalOf } from './principal.ts';
import { resourceEnvironmentKey } from './resource-environments.ts';
import { hashSecret, TOKEN_KIND_NAMES, type TokenKind } from './secrets.ts';
import { clearSessionCookie, refuseWithoutCsrfToken, sessionCookieSecret } from './session-cookie.ts';

/**
 * What a console session cookie stands for: `active` with its principal and CSRF token; `ended` when it
 * existed but expired or its token was revoked (not a guess); `unknown` otherwise.
 */
export type SessionOutcome =
  | { status: 'active'; principal: Principal; csrfToken: string; expiresAt: Date }
  | { status: 'ended' }
  | { status: 'unknown' };
/** Resolves a session cookie's secret (sessions/service.ts provides it; app.ts wires it in). */
export type SessionLookup = (secret: string) => Promise<SessionOutcome>;

declare module 'fastify' {
  interface FastifyInstance {
    /** Resolves a bearer secret to its principal, or null when unknown or revoked. */
    authenticateSecret(secret: string): Promise<Principal | null>;
    requireAdmin(request: FastifyRequest, reply: FastifyReply): Promise<void>;
    /**
     * The /api guard: a person (an admin-kind token of any role) by bearer token or session cookie
     * (writes with the cookie need X-CSRF-Token), allowed this route by auth/permissions.ts.
     */
    authorizeApi(request: FastifyRequest, reply: FastifyReply): Promise<void>;
    requireServerKey(request: FastifyRequest, reply: FastifyReply): Promise<void>;
    requireClientKey(request: FastifyRequest, reply: FastifyReply): Promise<void>;
    /** A server SDK key or a client key: what every SDK holds (metrics reports come from both). */
    requireSdkKey(request: FastifyRequest, reply: FastifyReply): Promise<void>;
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
}

const LAST_USED_RESOLUTION_MS = 60_000;
/** How long a known SDK key is trusted without a database read (revocation notices end it sooner). */
export const SDK_KEY_CACHE_TTL_MS = 10_000;

export function bearerSecret(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (!header) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1] ?? null;
}

export default fp(
  async function auth(app: FastifyInstance, opts: { sdkKeyCacheTtlMs?: number; sessions?: SessionLookup }) {
    const lastUsedWrites = new Map<string, number>();

    app.decorateRequest('principal', null);

    const lookup = async (secret: string): Promise<Principal | null> => {
      // Constant-time with respect to the secret: the secret itself is never compared with
      // anything; its SHA-256 is looked up through the unique index on secretHash. Timing could
      // reveal at most how much of a stored *hash* a guess's hash matched, and even a whole hash
      // does not give back its 256-bit secret (preimage resistance).
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
      return principalOf(token);
    };

    const keys = new KeyCache(lookup, opts.sdkKeyCacheTtlMs ?? SDK_KEY_CACHE_TTL_MS);
    const unsubscribe = app.changeBus.subscribe((notice) => {
      if (notice.resourceType === 'token') keys.forgetToken(notice.resourceKey);
      else if (notice.resourceType === 'environment') for (const id of notice.tokenIds) keys.forgetToken(id);
    });
    app.addHook('onClose', async () => unsubscribe());
    app.decorate('authenticateSecret', (secret: string) => keys.principal(secret));

    const bearerPrincipal = async (request: FastifyRequest, reply: FastifyReply): Promise<Principal> => {
      const secret = bearerSecret(request);
      const principal = secret ? await app.authenticateSecret(secret) : null;
      if (!principal) {
        app.recordAuthFailure(request, reply); // 429 once this client has failed too often
        throw secret ? unauthorized('The token is unknown or has been revoked') : unauthorized();
      }
      return principal;
    };

    const refuseOtherKinds = (principal: Principal, kinds: TokenKind[]) => {
      if (kinds.includes(principal.kind)) return;
      const needed = kinds.map((kind) => TOKEN_KIND_NAMES[kind]).join(' or ');
      throw forbidden(`This route needs ${needed}; ${TOKEN_KIND_NAMES[principal.kind]} cannot use it`);
    };

    const requireKind =
      (...kinds: TokenKind[]) =>
      async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
        const principal = await bearerPrincipal(request, reply);
        refuseOtherKinds(principal, kinds);
        request.principal = principal;
      };

    /** An Authorization header, when sent, is the credential; otherwise the session cookie, if any. */
    const sessionPrincipal = async (request: FastifyRequest, reply: FastifyReply, secret: string): Promise<Principal> => {
      const session = opts.sessions ? await opts.sessions(secret) : ({ status: 'unknown' } as const);
      if (session.status !== 'active') {
        // An expired session or a revoked token is no guess; an unknown cookie may be one.
        if (session.status === 'unknown') app.recordAuthFailure(request, reply);
        clearSessionCookie(request, reply);
        throw unauthorized('The session has ended or expired: sign in again (POST /api/session)');
      }
      refuseWithoutCsrfToken(request, session.csrfToken);
      return session.principal;
    };

    const authorizeApi = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
      const cookieSecret = request.headers.authorization === undefined ? sessionCookieSecret(request) : null;
      const principal =
        cookieSecret !== null ? await sessionPrincipal(request, reply, cookieSecret) : await bearerPrincipal(request, reply);
      refuseOtherKinds(principal, ['admin']);
      request.principal = principal;
      const route = request.routeOptions.url ?? request.url;
      const { scope } = requirementFor(request.method, route);
      const id = (request.params as Record<string, unknown> | undefined)?.id;
      const resourceEnvironment =
        scope.kind === 'resource' && typeof id === 'string' ? await resourceEnvironmentKey(app.prisma, scope.resource, id) : null;
      const decision = authorize({
        method: request.method,
        route,
        params: request.params,
        query: request.query,
        person: principal.person ?? { role: 'viewer', environmentRoles: {} },
        resourceEnvironment,
      });
      if (!decision.allowed) throw forbidden(decision.message);
    };

    app.decorate('requireAdmin', requireKind('admin'));
    app.decorate('authorizeApi', authorizeApi);
    app.decorate('requireServerKey', requireKind('server'));
    app.decorate('requireClientKey', requireKind('client'));
    app.decorate('requireSdkKey', requireKind('server', 'client'));
  },
  { name: 'auth', dependencies: ['prisma', 'changes', 'auth-rate-limit'] },
);
