import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { withinRights } from '../auth/permissions.ts';
import { actorName } from '../auth/principal.ts';
import { forbidden } from '../http/http-error.ts';
import { errorResponses } from '../http/schemas.ts';
import {
  CreatedTokenSchema,
  CreateTokenSchema,
  ListTokensQuerySchema,
  TokenParamsSchema,
  TokenSchema,
  UpdateTokenSchema,
} from './schemas.ts';
import type { TokenService } from './service.ts';

const tags = ['tokens'];

export default async function tokenRoutes(fastify: FastifyInstance, opts: { service: TokenService }) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const tokens = opts.service;

  app.get(
    '/',
    {
      schema: {
        tags,
        summary: 'List tokens',
        description: 'Never returns secrets or their hashes. Revoked tokens are left out unless `includeRevoked=true`.',
        querystring: ListTokensQuerySchema,
        response: { 200: z.object({ items: z.array(TokenSchema) }), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const { kind, environment, includeRevoked } = request.query;
      return { items: await tokens.list({ kind, environment, includeRevoked: includeRevoked === 'true' }) };
    },
  );

  app.post(
    '/',
    {
      schema: {
        tags,
        summary: 'Create a token',
        description:
          'Server and client keys belong to one environment; admin tokens to none. ' +
          'Admin tokens are people: `role` (admin, editor or viewer; default admin) and `environmentRoles` ' +
          '(environment key -> role there) say what they may do; server and client keys have neither (400). ' +
          'Nobody may create a token with more rights than their own (403). ' +
          'The secret is in this answer only: it is stored as a hash and cannot be shown again.',
        body: CreateTokenSchema,
        response: { 201: CreatedTokenSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const { body } = request;
      const creator = request.principal?.person ?? { role: 'viewer' as const, environmentRoles: {} };
      if (body.kind === 'admin' && !withinRights(creator, { role: body.role ?? 'admin', environmentRoles: body.environmentRoles ?? {} })) {
        throw forbidden('A token cannot be given more rights than the token creating it has');
      }
      return reply.code(201).send(await tokens.create(actorName(request.principal), body));
    },
  );

  app.patch(
    '/:id',
    {
      schema: {
        tags,
        summary: "Change a person's roles",
        description:
          'Sets the `role` and/or `environmentRoles` of an admin token (a person); `environmentRoles`, when sent, replaces the whole map. ' +
          'Takes effect from the next request, sessions included. Audited as `token.updated`. ' +
          'Refused (409) for server and client keys (they have no role), for a revoked token, and when it would leave no active ' +
          'token that is an admin in every environment.',
        params: TokenParamsSchema,
        body: UpdateTokenSchema,
        response: { 200: TokenSchema, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => tokens.updateRoles(actorName(request.principal), request.params.id, request.body),
  );

  app.delete(
    '/:id',
    {
      schema: {
        tags,
        summary: 'Revoke a token',
        description:
          'Sets `revokedAt`; the token is refused from its next request on. ' +
          'Idempotent: revoking a revoked token answers 200 with it unchanged (and records nothing). ' +
          'The last active admin token cannot be revoked (409), so that the service always keeps a way in.',
        params: TokenParamsSchema,
        response: { 200: TokenSchema, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => tokens.revoke(actorName(request.principal), request.params.id),
  );

  app.post(
    '/:id/rotate',
    {
      schema: {
        tags,
        summary: 'Rotate a token',
        description:
          'Atomically revokes the token and creates its replacement (same name, kind and environment) ' +
          'with a new secret, shown only in this answer. ' +
          'A revoked token cannot be rotated (409).',
        params: TokenParamsSchema,
        response: { 201: CreatedTokenSchema, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => reply.code(201).send(await tokens.rotate(actorName(request.principal), request.params.id)),
  );
}
