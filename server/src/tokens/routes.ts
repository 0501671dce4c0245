import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { HttpError, conflict } from '../http/http-error.ts';
import type { Transaction } from '../db/prisma.ts';
import { errorResponses } from '../http/schemas.ts';
import { assertAnotherActiveAdmin, insertToken, requireToken, revokeToken, toNewTokenView, toTokenView, withEnvironmentKey } from './repository.ts';
import { CreateTokenSchema, CreatedTokenSchema, ListTokensQuerySchema, TokenParamsSchema, TokenSchema, type CreatedTokenView } from './schemas.ts';

const tags = ['tokens'];

async function environmentIdFor(db: FastifyInstance['prisma'] | Transaction, key: string | undefined, path: string): Promise<string | null> {
  if (key === undefined) return null;
  const env = await db.environment.findUnique({ where: { key }, select: { id: true } });
  if (!env) throw new HttpError(404, 'not_found', `Environment "${key}" not found`, [{ path, message: 'no such environment' }]);
  return env.id;
}

export default async function tokenRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();

  app.get('/', {
    schema: {
      tags,
      summary: 'List tokens',
      description: 'Never returns secrets or their hashes. Revoked tokens are left out unless `includeRevoked=true`.',
      querystring: ListTokensQuerySchema,
      response: { 200: z.object({ items: z.array(TokenSchema) }), ...errorResponses(400, 401, 403, 404) },
    },
  }, async (request) => {
    const { kind, environment, includeRevoked } = request.query;
    const environmentId = await environmentIdFor(app.prisma, environment, 'query.environment');
    const rows = await app.prisma.apiToken.findMany({
      where: {
        ...(kind ? { kind } : {}),
        ...(environmentId ? { environmentId } : {}),
        ...(includeRevoked === 'true' ? {} : { revokedAt: null }),
      },
      include: withEnvironmentKey,
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    });
    return { items: rows.map(toTokenView) };
  });

  app.post('/', {
    schema: {
      tags,
      summary: 'Create a token',
      description: 'Server and client keys belong to one environment; admin tokens to none. The secret is in this answer only: it is stored as a hash and cannot be shown again.',
      body: CreateTokenSchema,
      response: { 201: CreatedTokenSchema, ...errorResponses(400, 401, 403, 404) },
    },
  }, async (request, reply) => {
    const { name, kind, environment } = request.body;
    const created = await app.changes.run(request.principal?.name ?? 'system', async (w): Promise<CreatedTokenView> => {
      const environmentId = await environmentIdFor(w.tx, environment, 'body.environment');
      const { row, secret } = await insertToken(w.tx, { name, kind, environmentId });
      const view = toNewTokenView(row);
      await w.audit({ action: 'token.created', resourceType: 'token', resourceKey: row.id, environmentKey: view.environment, after: view });
      return { ...view, secret };
    });
    return reply.code(201).send(created);
  });

  app.delete('/:id', {
    schema: {
      tags,
      summary: 'Revoke a token',
      description:
        'Sets `revokedAt`; the token is refused from its next request on. Idempotent: revoking a revoked token answers 200 with it unchanged (and records nothing). ' +
        'The last active admin token cannot be revoked (409), so that the service always keeps a way in.',
      params: TokenParamsSchema,
      response: { 200: TokenSchema, ...errorResponses(400, 401, 403, 404, 409) },
    },
  }, async (request) =>
    app.changes.run(request.principal?.name ?? 'system', async (w) => {
      const token = await requireToken(w.tx, request.params.id);
      if (token.revokedAt) return toTokenView(token);
      if (token.kind === 'admin') await assertAnotherActiveAdmin(w.tx, token.id);
      if (!(await revokeToken(w.tx, token.id, new Date()))) return toTokenView(await requireToken(w.tx, token.id));
      const after = toTokenView(await requireToken(w.tx, token.id));
      await w.audit({ action: 'token.revoked', resourceType: 'token', resourceKey: token.id, environmentKey: after.environment, before: toTokenView(token), after });
      w.tokenRevoked(token.id); // closes its open streams on every replica
      return after;
    }),
  );

  app.post('/:id/rotate', {
    schema: {
      tags,
      summary: 'Rotate a token',
      description:
        'Atomically revokes the token and creates its replacement (same name, kind and environment) with a new secret, shown only in this answer. ' +
        'A revoked token cannot be rotated (409).',
      params: TokenParamsSchema,
      response: { 201: CreatedTokenSchema, ...errorResponses(400, 401, 403, 404, 409) },
    },
  }, async (request, reply) => {
    const created = await app.changes.run(request.principal?.name ?? 'system', async (w): Promise<CreatedTokenView> => {
      const old = await requireToken(w.tx, request.params.id);
      if (!(await revokeToken(w.tx, old.id, new Date()))) {
        throw conflict(`Token "${old.id}" is revoked and cannot be rotated`, [{ path: 'params.id', message: 'already revoked' }]);
      }
      w.tokenRevoked(old.id); // the old key's open streams close on every replica
      const { row, secret } = await insertToken(w.tx, { name: old.name, kind: old.kind, environmentId: old.environmentId });
      const view = toNewTokenView(row);
      await w.audit({
        action: 'token.rotated',
        resourceType: 'token',
        resourceKey: old.id,
        environmentKey: view.environment,
        before: toTokenView(old),
        after: { ...view, replaces: old.id },
      });
      return { ...view, secret };
    });
    return reply.code(201).send(created);
  });
}
