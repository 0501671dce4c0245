import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { isUniqueViolation } from '../db/errors.ts';
import { lockForTransaction } from '../db/locks.ts';
import { defaultFlagConfig } from '../flags/defaults.ts';
import { conflict } from '../http/http-error.ts';
import { errorResponses } from '../http/schemas.ts';
import { requireEnvironment, toEnvironmentView } from './repository.ts';
import { CreateEnvironmentSchema, EnvironmentParamsSchema, EnvironmentSchema, UpdateEnvironmentSchema } from './schemas.ts';

const tags = ['environments'];

export default async function environmentRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();

  app.get('/', {
    schema: { tags, summary: 'List environments', response: { 200: z.object({ items: z.array(EnvironmentSchema) }), ...errorResponses(401, 403) } },
  }, async () => {
    const rows = await app.prisma.environment.findMany({ orderBy: { createdAt: 'asc' } });
    return { items: rows.map(toEnvironmentView) };
  });

  app.get('/:env', {
    schema: { tags, summary: 'Get an environment', params: EnvironmentParamsSchema, response: { 200: EnvironmentSchema, ...errorResponses(401, 403, 404) } },
  }, async (request) => toEnvironmentView(await requireEnvironment(app.prisma, request.params.env)));

  app.post('/', {
    schema: {
      tags,
      summary: 'Create an environment',
      description: 'Every existing flag gets its default configuration (off) in the new environment.',
      body: CreateEnvironmentSchema,
      response: { 201: EnvironmentSchema, ...errorResponses(400, 401, 403, 409) },
    },
  }, async (request, reply) => {
    const { key, name } = request.body;
    try {
      const created = await app.changes.run(request.principal?.name ?? 'system', async (w) => {
        await lockForTransaction(w.tx, 'flagEnvironmentPairs');
        const env = await w.tx.environment.create({ data: { key, name } });
        const flags = await w.tx.flag.findMany({ select: { id: true, variations: true } });
        if (flags.length > 0) {
          await w.tx.flagEnvironment.createMany({
            data: flags.map((flag) => ({
              flagId: flag.id,
              environmentId: env.id,
              ...defaultFlagConfig(Array.isArray(flag.variations) ? flag.variations.length : 0),
            })),
          });
        }
        const view = toEnvironmentView(env);
        await w.audit({ action: 'environment.created', resourceType: 'environment', resourceKey: key, environmentKey: key, after: view });
        return view;
      });
      return reply.code(201).send(created);
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict(`Environment "${key}" already exists`, [{ path: 'body.key', message: 'already exists' }]);
      throw error;
    }
  });

  app.patch('/:env', {
    schema: { tags, summary: 'Rename an environment', params: EnvironmentParamsSchema, body: UpdateEnvironmentSchema, response: { 200: EnvironmentSchema, ...errorResponses(400, 401, 403, 404) } },
  }, async (request) =>
    app.changes.run(request.principal?.name ?? 'system', async (w) => {
      const before = await requireEnvironment(w.tx, request.params.env);
      const after = await w.tx.environment.update({ where: { id: before.id }, data: { name: request.body.name } });
      await w.audit({
        action: 'environment.renamed',
        resourceType: 'environment',
        resourceKey: before.key,
        environmentKey: before.key,
        before: toEnvironmentView(before),
        after: toEnvironmentView(after),
      });
      return toEnvironmentView(after);
    }),
  );

  app.delete('/:env', {
    schema: {
      tags,
      summary: 'Delete an environment',
      description: 'Cascades: the environment’s flag configurations, segments and SDK keys are deleted with it (the flags themselves stay). The deletion is audited.',
      params: EnvironmentParamsSchema,
      response: { 204: z.null().describe('deleted'), ...errorResponses(401, 403, 404) },
    },
  }, async (request, reply) => {
    await app.changes.run(request.principal?.name ?? 'system', async (w) => {
      const env = await requireEnvironment(w.tx, request.params.env);
      await w.tx.environment.delete({ where: { id: env.id } });
      await w.audit({ action: 'environment.deleted', resourceType: 'environment', resourceKey: env.key, environmentKey: env.key, before: toEnvironmentView(env) });
    });
    return reply.code(204).send(null);
  });
}
