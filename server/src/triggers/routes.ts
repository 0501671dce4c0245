import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorName } from '../auth/principal.ts';
import { errorResponses } from '../http/schemas.ts';
import { CreatedTriggerSchema, CreateTriggerSchema, TriggerIdParamsSchema, TriggerParamsSchema, TriggerSchema } from './schemas.ts';
import type { TriggerService } from './service.ts';

const tags = ['triggers'];

const targetOf = (params: { key: string; env: string }) => ({ flagKey: params.key, environmentKey: params.env });

/** Admin routes of a flag's triggers in one environment, mounted at /api/flags/:key/environments/:env/triggers. */
export default async function triggerRoutes(fastify: FastifyInstance, opts: { service: TriggerService }) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const triggers = opts.service;

  app.get(
    '/',
    {
      schema: {
        tags,
        summary: 'List a flag’s triggers in an environment',
        description: 'Revoked triggers included (`revoked: true`), oldest first. Never returns secrets or their hashes.',
        params: TriggerParamsSchema,
        response: { 200: z.object({ items: z.array(TriggerSchema) }), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => ({ items: await triggers.list(targetOf(request.params)) }),
  );

  app.post(
    '/',
    {
      schema: {
        tags,
        summary: 'Create a trigger',
        description:
          'A secret URL (`POST /triggers/<secret>`, no Authorization header) that an alerting system calls to turn the flag off ' +
          'or on in this environment, or to roll back its release plan. The secret is in this answer only: it is stored as a hash ' +
          'and cannot be shown again. A name already used by an active trigger of the flag in the environment is refused (409).',
        params: TriggerParamsSchema,
        body: CreateTriggerSchema,
        response: { 201: CreatedTriggerSchema, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await triggers.create(actorName(request.principal), targetOf(request.params), request.body)),
  );

  app.delete(
    '/:id',
    {
      schema: {
        tags,
        summary: 'Revoke a trigger',
        description:
          'Sets `revokedAt`; its URL answers 404 from the next call on. Idempotent: revoking a revoked trigger answers 200 with it ' +
          'unchanged (and records nothing).',
        params: TriggerIdParamsSchema,
        response: { 200: TriggerSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => triggers.revoke(actorName(request.principal), targetOf(request.params), request.params.id),
  );
}
