import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { errorResponses } from '../http/schemas.ts';
import {
  EnvironmentFlagsQuerySchema,
  EnvironmentFlagsSchema,
  EnvironmentParamsSchema,
  EventParamsSchema,
  EventSchema,
  EventsQuerySchema,
  EventsSchema,
  FlagEnvironmentParamsSchema,
  FlagEvaluationsSchema,
  GuardedQuerySchema,
  GuardedStatisticsSchema,
  SdkInstancesSchema,
  SdksQuerySchema,
  SeriesQuerySchema,
  StaleFlagsQuerySchema,
  StaleFlagsSchema,
} from './schemas.ts';
import type { InsightsService } from './service.ts';

const tags = ['insights'];
const RANGE =
  'The range defaults to the 24 hours before now and is widened to whole buckets; `from` after `to` is refused (400). ' +
  'Per minute: the minute rollups (kept for a limited time); per hour: minute rollups summed per hour plus the hourly rollups ' +
  'of compacted data, so an hourly series covers both.';

export default async function insightsRoutes(fastify: FastifyInstance, opts: { service: InsightsService }) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const insights = opts.service;

  app.get(
    '/flags/:key/environments/:env',
    {
      schema: {
        tags,
        summary: 'A flag’s evaluations in an environment',
        description:
          `Evaluations per bucket, variation and error, with totals, the flag’s status there and the SDKs seen. ${RANGE} ` +
          'Keys of deleted flags (or of no flag) that SDKs reported are answered too; 404 only when nothing was ever counted for the key ' +
          'and no flag has it.',
        params: FlagEnvironmentParamsSchema,
        querystring: SeriesQuerySchema,
        response: { 200: FlagEvaluationsSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => insights.flagEvaluations(request.params.key, request.params.env, request.query),
  );

  app.get(
    '/flags/:key/environments/:env/guarded',
    {
      schema: {
        tags,
        summary: 'A guarded release’s statistics per variation',
        description:
          'Per variation: distinct contexts exposed; per metric (the release’s metrics and any other with data): distinct exposed ' +
          'contexts with an event, the conversion rate, and the count, sum, sum of squares, mean and sample variance of the values.',
        params: FlagEnvironmentParamsSchema,
        querystring: GuardedQuerySchema,
        response: { 200: GuardedStatisticsSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => insights.guardedStatistics(request.params.key, request.params.env, request.query.since),
  );

  app.get(
    '/environments/:env/flags',
    {
      schema: {
        tags,
        summary: 'Flag keys evaluated in an environment',
        description:
          'Every flag key counted in the range (buckets starting in it; default: the last 24 hours), by key, with its totals and when it ' +
          'was last evaluated. Keys that are no flag (any more) are included, with `exists: false`.',
        params: EnvironmentParamsSchema,
        querystring: EnvironmentFlagsQuerySchema,
        response: { 200: EnvironmentFlagsSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => insights.environmentFlags(request.params.env, request.query),
  );

  app.get(
    '/environments/:env/events',
    {
      schema: {
        tags,
        summary: 'Custom event series in an environment',
        description: `Per event key with data in the range (by key, a page at a time): count, values counted, sum, sum of squares, mean. ${RANGE}`,
        params: EnvironmentParamsSchema,
        querystring: EventsQuerySchema,
        response: { 200: EventsSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => insights.events(request.params.env, request.query),
  );

  app.get(
    '/environments/:env/events/:key',
    {
      schema: {
        tags,
        summary: 'One custom event’s series in an environment',
        description: `Zeros for a key never tracked. ${RANGE}`,
        params: EventParamsSchema,
        querystring: SeriesQuerySchema,
        response: { 200: EventSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => insights.event(request.params.env, request.params.key, request.query),
  );

  app.get(
    '/environments/:env/sdks',
    {
      schema: {
        tags,
        summary: 'SDK instances seen in an environment',
        description: 'Most recently seen first, with a summary per SDK name and version.',
        params: EnvironmentParamsSchema,
        querystring: SdksQuerySchema,
        response: { 200: SdkInstancesSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => insights.sdks(request.params.env, request.query),
  );

  app.get(
    '/stale-flags',
    {
      schema: {
        tags,
        summary: 'Flags ready for removal',
        description:
          'Temporary flags that are, in every environment, launched (the same variation wherever launched), inactive or never ' +
          'evaluated (never evaluated anywhere counts only N days after the flag was created), with the evidence and the reason in ' +
          'words; and, separately, archived flags still evaluated. Permanent flags are never ready. N = SWITCHYARD_STALE_AFTER_DAYS.',
        querystring: StaleFlagsQuerySchema,
        response: { 200: StaleFlagsSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => insights.staleFlags(request.query.env),
  );
}
