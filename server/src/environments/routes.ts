import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorName } from '../auth/principal.ts';
import { errorResponses } from '../http/schemas.ts';
import { CreateEnvironmentSchema, EnvironmentParamsSchema, EnvironmentSchema, UpdateEnvironmentSchema } from './schemas.ts';
import type { EnvironmentService } from './service.ts';

const tags = ['environments'];

export default async function environmentRoutes(fastify: FastifyInstance, opts: { service: EnvironmentService }) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const environments = opts.service;

  app.get(
    '/',
    {
      schema: {
        tags,
        summary: 'List environments',
        response: { 200: z.object({ items: z.array(EnvironmentSchema) }), ...errorResponses(401, 403) },
      },
    },
    async () => ({ items: await environments.list() }),
  );

  app.get(
    '/:env',
    {
      schema: {
        tags,
        summary: 'Get an environment',
        params: EnvironmentParamsSchema,
        response: { 200: EnvironmentSchema, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => environments.get(request.params.env),
  );

  app.post(
    '/',
    {
      schema: {
        tags,
        summary: 'Create an environment',
        description: 'Every existing flag gets its default configuration (off) in the new environment.',
        body: CreateEnvironmentSchema,
        response: { 201: EnvironmentSchema, ...errorResponses(400, 401, 403, 409) },
      },
    },
    async (request, reply) => reply.code(201).send(await environments.create(actorName(request.principal), request.body)),
  );

  app.patch(
    '/:env',
    {
      schema: {
        tags,
        summary: 'Rename an environment',
        params: EnvironmentParamsSchema,
        body: UpdateEnvironmentSchema,
        response: { 200: EnvironmentSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => environments.rename(actorName(request.principal), request.params.env, request.body.name),
  );

  app.delete(
    '/:env',
    {
      schema: {
        tags,
        summary: 'Delete an environment',
        description:
          'Cascades: the environment’s flag configurations, segments and SDK keys are deleted with it (the flags themselves stay). ' +
          'The deletion is audited.',
        params: EnvironmentParamsSchema,
        response: { 204: z.null().describe('deleted'), ...errorResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      await environments.delete(actorName(request.principal), request.params.env);
      return reply.code(204).send(null);
    },
  );
}
