import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { clearSessionCookie, refuseWithoutCsrfToken, sessionCookieSecret, setSessionCookie } from '../auth/session-cookie.ts';
import { unauthorized } from '../http/http-error.ts';
import { errorResponses } from '../http/schemas.ts';
import { SessionSchema, SignInSchema } from './schemas.ts';
import { SessionService } from './service.ts';

const tags = ['sessions'];

/** Sign-in for the web console: a personal token once, then an HttpOnly cookie and a CSRF token. */
export default async function sessionRoutes(fastify: FastifyInstance, opts: { service: SessionService }) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const sessions = opts.service;
  const maxAgeSeconds = Math.floor(sessions.lifetimeMs / 1000);
  const ended = () => unauthorized('No session: sign in with POST /api/session');

  // The answers carry the CSRF token: no cache may keep them.
  app.addHook('onSend', async (_request, reply) => {
    reply.header('cache-control', 'no-store');
  });

  app.post(
    '/',
    {
      schema: {
        tags,
        summary: 'Sign in',
        security: [],
        description:
          'Exchanges a personal token (an admin-kind token of any role) for a session: the answer sets the ' +
          '`sy_session` cookie (HttpOnly, SameSite=Strict) and gives the CSRF token every write made with the cookie must ' +
          'send as `X-CSRF-Token`. An unknown, revoked or SDK token is 401 and counts as a failed authentication.',
        body: SignInSchema,
        response: { 200: SessionSchema, ...errorResponses(400, 401) },
      },
    },
    async (request, reply) => {
      const session = await sessions.signIn(request.body.token);
      if (!session) {
        app.recordAuthFailure(request, reply);
        throw unauthorized('The token is unknown, revoked, or not a personal token');
      }
      setSessionCookie(request, reply, session.secret, maxAgeSeconds);
      return session.view;
    },
  );

  app.get(
    '/',
    {
      schema: {
        tags,
        summary: 'The current session',
        security: [],
        description: 'Who the session cookie signs in, with the CSRF token (for a console that was reloaded).',
        response: { 200: SessionSchema, ...errorResponses(401) },
      },
    },
    async (request, reply) => {
      const secret = sessionCookieSecret(request);
      const session = secret === null ? null : await sessions.lookup(secret);
      if (session?.status !== 'active') {
        if (session?.status === 'unknown') app.recordAuthFailure(request, reply);
        if (secret !== null) clearSessionCookie(request, reply);
        throw ended();
      }
      return SessionService.view(session);
    },
  );

  app.delete(
    '/',
    {
      schema: {
        tags,
        summary: 'Sign out',
        security: [],
        description: 'Ends the session and clears its cookie (needs `X-CSRF-Token`). Without a valid session: 204 all the same.',
        response: { 204: z.null().describe('signed out'), ...errorResponses(403) },
      },
    },
    async (request, reply) => {
      const secret = sessionCookieSecret(request);
      if (secret !== null) {
        const session = await sessions.lookup(secret);
        if (session.status === 'active') {
          refuseWithoutCsrfToken(request, session.csrfToken);
          await sessions.signOut(secret);
        }
        clearSessionCookie(request, reply);
      }
      return reply.code(204).send(null);
    },
  );
}
