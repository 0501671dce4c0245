import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorName } from '../auth/principal.ts';
import { expectedVersion, setVersionHeaders } from '../http/etag.ts';
import { errorResponses, PaginationQuerySchema } from '../http/schemas.ts';
import {
  AttemptPageSchema,
  CreatedWebhookSchema,
  CreateWebhookSchema,
  DeliveryDetailSchema,
  DeliveryPageSchema,
  DeliveryParamsSchema,
  DeliverySchema,
  ListDeliveriesQuerySchema,
  UpdateWebhookSchema,
  WebhookParamsSchema,
  WebhookSchema,
} from './schemas.ts';
import type { WebhookService } from './service.ts';

const tags = ['webhooks'];
const ifMatch = 'Optional If-Match: the webhook version (ETag) you read; a stale one is refused with 412 and changes nothing.';
const signing =
  'Each delivery is a POST with the headers X-Switchyard-Event (the audit action), X-Switchyard-Delivery (the delivery id, ' +
  'the same on every attempt) and X-Switchyard-Signature: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" with the ' +
  'signing secret>`. Receivers refuse a `t` more than 5 minutes from their clock (replays) and drop delivery ids they have seen.';

export default async function webhookRoutes(fastify: FastifyInstance, opts: { service: WebhookService }) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const webhooks = opts.service;

  app.post(
    '/',
    {
      schema: {
        tags,
        summary: 'Create a webhook',
        description:
          'Every audited change whose action is in `events` (or any, with ["*"]) is POSTed to `url`, retried with exponential ' +
          'backoff until a 2xx answer or the last attempt. The signing secret is in this answer only: store it now ' +
          `(rotate it to get a new one). ${signing}`,
        body: CreateWebhookSchema,
        response: { 201: CreatedWebhookSchema, ...errorResponses(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const created = await webhooks.create(actorName(request.principal), request.body);
      setVersionHeaders(reply, created.version);
      return reply.code(201).send(created);
    },
  );

  app.get(
    '/',
    {
      schema: {
        tags,
        summary: 'List webhooks',
        description: 'Oldest first. Never returns signing secrets.',
        response: { 200: z.object({ items: z.array(WebhookSchema) }), ...errorResponses(401, 403) },
      },
    },
    async () => ({ items: await webhooks.list() }),
  );

  app.get(
    '/:id',
    {
      schema: {
        tags,
        summary: 'Get a webhook',
        description: 'Never returns the signing secret. ETag: the webhook’s version.',
        params: WebhookParamsSchema,
        response: { 200: WebhookSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const webhook = await webhooks.get(request.params.id);
      setVersionHeaders(reply, webhook.version);
      return webhook;
    },
  );

  app.patch(
    '/:id',
    {
      schema: {
        tags,
        summary: 'Update a webhook',
        description: `Changes name, url, events, format or enabled; deliveries already queued keep their body. ${ifMatch}`,
        params: WebhookParamsSchema,
        body: UpdateWebhookSchema,
        response: { 200: WebhookSchema, ...errorResponses(400, 401, 403, 404, 412) },
      },
    },
    async (request, reply) => {
      const expected = expectedVersion(request);
      const updated = await webhooks.update(actorName(request.principal), request.params.id, expected, request.body);
      setVersionHeaders(reply, updated.version);
      return updated;
    },
  );

  app.delete(
    '/:id',
    {
      schema: {
        tags,
        summary: 'Delete a webhook',
        description: `Deletes the webhook and its delivery log; deliveries not yet sent are dropped. ${ifMatch}`,
        params: WebhookParamsSchema,
        response: { 204: z.null().describe('deleted'), ...errorResponses(400, 401, 403, 404, 412) },
      },
    },
    async (request, reply) => {
      const expected = expectedVersion(request);
      await webhooks.delete(actorName(request.principal), request.params.id, expected);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/:id/rotate-secret',
    {
      schema: {
        tags,
        summary: 'Rotate a webhook’s signing secret',
        description:
          'A new signing secret, shown only in this answer; every attempt from now on (retries of queued deliveries included) ' +
          `is signed with it. ${ifMatch}`,
        params: WebhookParamsSchema,
        response: { 200: CreatedWebhookSchema, ...errorResponses(400, 401, 403, 404, 412) },
      },
    },
    async (request, reply) => {
      const expected = expectedVersion(request);
      const rotated = await webhooks.rotateSecret(actorName(request.principal), request.params.id, expected);
      setVersionHeaders(reply, rotated.version);
      return rotated;
    },
  );

  app.get(
    '/:id/deliveries',
    {
      schema: {
        tags,
        summary: 'List a webhook’s deliveries',
        description:
          'The delivery log, newest first: each event sent (or to send) and how its last attempt went; ' +
          'GET .../deliveries/{deliveryId}/attempts lists every attempt of one. Settled deliveries are kept for ' +
          'SWITCHYARD_WEBHOOK_RETENTION_DAYS (14 by default).',
        params: WebhookParamsSchema,
        querystring: ListDeliveriesQuerySchema,
        response: { 200: DeliveryPageSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => webhooks.deliveries(request.params.id, request.query),
  );

  app.get(
    '/:id/deliveries/:deliveryId',
    {
      schema: {
        tags,
        summary: 'Get a delivery',
        description: 'The delivery with the body POSTed.',
        params: DeliveryParamsSchema,
        response: { 200: DeliveryDetailSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => webhooks.delivery(request.params.id, request.params.deliveryId),
  );

  app.get(
    '/:id/deliveries/:deliveryId/attempts',
    {
      schema: {
        tags,
        summary: 'List a delivery’s attempts',
        description:
          'Every attempt of the delivery, newest first (redeliveries included): when, the HTTP status or why there was none, ' +
          'how long it took, and the start of the answer’s body (at most 1 KiB).',
        params: DeliveryParamsSchema,
        querystring: PaginationQuerySchema,
        response: { 200: AttemptPageSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => webhooks.attempts(request.params.id, request.params.deliveryId, request.query),
  );

  app.post(
    '/:id/deliveries/:deliveryId/redeliver',
    {
      schema: {
        tags,
        summary: 'Redeliver',
        description:
          'Queues the delivery again, due now, with a fresh set of attempts, whatever its state (a receiver may have lost a ' +
          'delivered one). It keeps its id, so a receiver that did handle it can tell.',
        params: DeliveryParamsSchema,
        response: { 200: DeliverySchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => webhooks.redeliver(request.params.id, request.params.deliveryId),
  );
}
