import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { actorName } from '../auth/principal.ts';
import { expectedVersion, setVersionHeaders } from '../http/etag.ts';
import { errorResponses, page } from '../http/schemas.ts';
import type { ReleasePlanService } from './plan-service.ts';
import {
  FlagEnvironmentParamsSchema,
  GuardHistorySchema,
  ReleasePlanOperationSchema,
  ReleasePlanParamsSchema,
  ReleasePlanSchema,
  ReleasePlansQuerySchema,
  StartReleasePlanSchema,
} from './schemas.ts';

const tags = ['release plans'];
const ifMatch = 'Optional If-Match: the plan version (ETag) you read; a stale one is refused with 412.';

type Operation = 'pause' | 'resume' | 'advance' | 'approve' | 'rollback' | 'abandon';
const OPERATIONS: Record<Operation, string> = {
  pause: 'Pause a running plan: it stays at its stage until resumed; hand edits of the flag’s targeting are allowed meanwhile.',
  resume: 'Resume a paused plan: re-applies its stage’s rollout (refused while the flag is off) and carries on.',
  advance: 'Apply the next stage now, whatever the hold, approval or guard say (or complete the plan on its last stage).',
  approve: 'Approve moving past the current stage, when it asks for an approval.',
  rollback: 'Write back the flag’s configuration from before the plan, in one audited write; the plan ends as rolled-back.',
  abandon: 'End the plan where it is: the configuration stays as the last stage left it (the guard’s metrics removed).',
};

/** /api/release-plans and starting a plan on /api/flags/:key/environments/:env/release-plans. */
export default async function releasePlanRoutes(fastify: FastifyInstance, opts: { service: ReleasePlanService }) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const plans = opts.service;

  app.post(
    '/flags/:key/environments/:env/release-plans',
    {
      schema: {
        tags,
        summary: 'Start a release plan on a flag in an environment',
        description:
          'From a template or inline stages. Applies the first stage at once (turning the flag on); then the server ' +
          'moves it on by itself. 409 when the flag already has a running or paused plan there.',
        params: FlagEnvironmentParamsSchema,
        body: StartReleasePlanSchema,
        response: { 201: ReleasePlanSchema, ...errorResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const view = await plans.start(
        actorName(request.principal),
        { flagKey: request.params.key, environmentKey: request.params.env },
        request.body,
      );
      setVersionHeaders(reply, view.version);
      return reply.code(201).send(view);
    },
  );

  app.get(
    '/flags/:key/environments/:env/release-plans',
    {
      schema: {
        tags,
        summary: 'List a flag’s release plans in an environment, newest first',
        params: FlagEnvironmentParamsSchema,
        querystring: ReleasePlansQuerySchema.omit({ env: true, flag: true }),
        response: { 200: page(ReleasePlanSchema), ...errorResponses(400, 401, 403) },
      },
    },
    (request) => {
      const { status, limit, offset } = request.query;
      return plans.list(
        { flagKey: request.params.key, environmentKey: request.params.env, ...(status ? { statuses: [status] } : {}) },
        { limit, offset },
      );
    },
  );

  app.get(
    '/release-plans',
    {
      schema: {
        tags,
        summary: 'List release plans, newest first',
        querystring: ReleasePlansQuerySchema,
        response: { 200: page(ReleasePlanSchema), ...errorResponses(400, 401, 403) },
      },
    },
    (request) => {
      const { env, flag, status, limit, offset } = request.query;
      return plans.list(
        { ...(env ? { environmentKey: env } : {}), ...(flag ? { flagKey: flag } : {}), ...(status ? { statuses: [status] } : {}) },
        { limit, offset },
      );
    },
  );

  app.get(
    '/release-plans/:id',
    {
      schema: {
        tags,
        summary: 'Get a release plan',
        description: 'With where it stands, why it waits, and the guard’s last verdict.',
        params: ReleasePlanParamsSchema,
        response: { 200: ReleasePlanSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const view = await plans.get(request.params.id);
      setVersionHeaders(reply, view.version);
      return view;
    },
  );

  app.get(
    '/release-plans/:id/guard-history',
    {
      schema: {
        tags,
        summary: 'A release plan’s guard over time',
        description:
          'Per guard metric, the old and the new variation’s estimates, the always-valid confidence sequence for their ' +
          'difference, the threshold and the outcome as they stood at each step since the plan started (at most 120 ' +
          'points), computed from the production signal the SDKs reported, as the guard judges it.',
        params: ReleasePlanParamsSchema,
        response: { 200: GuardHistorySchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    (request) => plans.guardHistory(request.params.id),
  );

  for (const [operation, description] of Object.entries(OPERATIONS) as [Operation, string][]) {
    app.post(
      `/release-plans/:id/${operation}`,
      {
        schema: {
          tags,
          summary: `${operation[0]!.toUpperCase()}${operation.slice(1)} a release plan`,
          description: `${description} ${ifMatch}`,
          params: ReleasePlanParamsSchema,
          body: ReleasePlanOperationSchema,
          response: { 200: ReleasePlanSchema, ...errorResponses(400, 401, 403, 404, 409, 412, 422) },
        },
      },
      async (request, reply) => {
        const actor = actorName(request.principal);
        const { id } = request.params;
        const expected = expectedVersion(request);
        const reason = request.body?.reason;
        const view = await (() => {
          switch (operation) {
            case 'pause':
              return plans.pause(actor, id, expected, reason);
            case 'resume':
              return plans.resume(actor, id, expected);
            case 'advance':
              return plans.advance(actor, id, expected);
            case 'approve':
              return plans.approve(actor, id, expected);
            case 'rollback':
              return plans.rollback(actor, id, expected, reason);
            case 'abandon':
              return plans.abandon(actor, id, expected);
          }
        })();
        setVersionHeaders(reply, view.version);
        return view;
      },
    );
  }
}
