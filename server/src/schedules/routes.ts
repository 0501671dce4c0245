import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { actorName } from '../auth/principal.ts';
import { expectedVersion, setVersionHeaders } from '../http/etag.ts';
import { errorResponses } from '../http/schemas.ts';
import {
  CreateScheduledChangeSchema,
  FlagScheduleParamsSchema,
  FlagScheduleQuerySchema,
  ListScheduledChangesQuerySchema,
  ScheduledChangeListSchema,
  ScheduledChangeParamsSchema,
  ScheduledChangeSchema,
  UpdateScheduledChangeSchema,
} from './schemas.ts';
import type { ScheduledChangeService } from './service.ts';

const tags = ['scheduled changes'];
const flagPath = '/flags/:key/environments/:env/scheduled-changes';
const ifMatch = 'Optional If-Match: the version (ETag) you read; a stale one is refused with 412 and changes nothing.';

/** Mounted at /api. */
export default async function scheduleRoutes(fastify: FastifyInstance, opts: { service: ScheduledChangeService }) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const schedules = opts.service;

  app.post(
    flagPath,
    {
      schema: {
        tags,
        summary: 'Schedule a change to a flag’s configuration in an environment',
        description:
          'The instructions (1 to 20, applied in order, all or nothing) are applied once at `at`, to the configuration as it is ' +
          'then: if the flag changed meanwhile they still apply when they make sense (the outcome says the flag changed), ' +
          'and otherwise the change fails and nothing is changed. Variation indices are checked now (422).',
        params: FlagScheduleParamsSchema,
        body: CreateScheduledChangeSchema,
        response: { 201: ScheduledChangeSchema, ...errorResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const { key, env } = request.params;
      const created = await schedules.create(actorName(request.principal), { flagKey: key, environmentKey: env }, request.body);
      setVersionHeaders(reply, created.version);
      return reply.code(201).send(created);
    },
  );

  app.get(
    flagPath,
    {
      schema: {
        tags,
        summary: 'List a flag’s scheduled changes in an environment, soonest first',
        params: FlagScheduleParamsSchema,
        querystring: FlagScheduleQuerySchema,
        response: { 200: ScheduledChangeListSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const { key, env } = request.params;
      return schedules.listForFlag({ flagKey: key, environmentKey: env }, request.query);
    },
  );

  app.get(
    '/scheduled-changes',
    {
      schema: {
        tags,
        summary: 'List scheduled changes, soonest first',
        querystring: ListScheduledChangesQuerySchema,
        response: { 200: ScheduledChangeListSchema, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => schedules.list(request.query),
  );

  app.get(
    '/scheduled-changes/:id',
    {
      schema: {
        tags,
        summary: 'Get a scheduled change',
        description: 'ETag: the change’s version; send it back as If-Match when you edit or cancel it.',
        params: ScheduledChangeParamsSchema,
        response: { 200: ScheduledChangeSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const change = await schedules.get(request.params.id);
      setVersionHeaders(reply, change.version);
      return change;
    },
  );

  app.patch(
    '/scheduled-changes/:id',
    {
      schema: {
        tags,
        summary: 'Edit a pending scheduled change',
        description: `The given fields replace the current ones; 409 once it is no longer pending. ${ifMatch}`,
        params: ScheduledChangeParamsSchema,
        body: UpdateScheduledChangeSchema,
        response: { 200: ScheduledChangeSchema, ...errorResponses(400, 401, 403, 404, 409, 412, 422) },
      },
    },
    async (request, reply) => {
      const expected = expectedVersion(request);
      const updated = await schedules.update(actorName(request.principal), request.params.id, expected, request.body);
      setVersionHeaders(reply, updated.version);
      return updated;
    },
  );

  app.delete(
    '/scheduled-changes/:id',
    {
      schema: {
        tags,
        summary: 'Cancel a pending scheduled change',
        description: `It is kept with status \`cancelled\` and never applied; 409 once it is no longer pending. ${ifMatch}`,
        params: ScheduledChangeParamsSchema,
        response: { 200: ScheduledChangeSchema, ...errorResponses(400, 401, 403, 404, 409, 412) },
      },
    },
    async (request, reply) => {
      const expected = expectedVersion(request);
      const cancelled = await schedules.cancel(actorName(request.principal), request.params.id, expected);
      setVersionHeaders(reply, cancelled.version);
      return cancelled;
    },
  );
}
