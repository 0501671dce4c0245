import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { HttpError } from '../http/http-error.ts';
import { errorResponses } from '../http/schemas.ts';
import { TriggerCallParamsSchema, TriggerCallResultSchema } from './schemas.ts';
import type { AuthenticatedTrigger, TriggerService } from './service.ts';

/**
 * Largest body a trigger call may have. Alertmanager's and Grafana's notifications run to about 1 KB
 * per alert; the README advises Alertmanager's `max_alerts: 20`, and a larger group still fits.
 */
const TRIGGER_BODY_LIMIT = 256 * 1024;

/** An unknown and a revoked secret get the same answer, which says nothing. */
const notFound = () => new HttpError(404, 'not_found', 'Not found');

/** The public call of a trigger, mounted at /triggers: the secret in the path is the credential. */
export default async function triggerCallRoutes(fastify: FastifyInstance, opts: { service: TriggerService }) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const triggers = opts.service;
  const found = new WeakMap<FastifyRequest, AuthenticatedTrigger>();

  // Alerting systems send JSON (read by the app's strict JSON parser); whatever else a plain call sends
  // (`curl -d ''` says application/x-www-form-urlencoded) is accepted and not read.
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, _body, done) => done(null, undefined));

  app.post(
    '/:secret',
    {
      bodyLimit: TRIGGER_BODY_LIMIT,
      // Before the body is read: an unknown secret costs one indexed lookup, and counts as a failed
      // authentication of the client's address (429 once over the limit, as for tokens).
      onRequest: async (request, reply) => {
        const { secret } = request.params as { secret?: string };
        const trigger = secret ? await triggers.authenticate(secret) : null;
        if (!trigger) {
          app.recordAuthFailure(request, reply);
          throw notFound();
        }
        found.set(request, trigger);
      },
      schema: {
        tags: ['triggers'],
        security: [],
        summary: 'Call a trigger (the secret in the path is the credential)',
        description:
          'No Authorization header: the path holds the secret. The body may be empty, any JSON (up to 256 KiB), or a notification ' +
          'of Prometheus Alertmanager (`{"version": "4", "status": "firing", "alerts": [...]}`) or Grafana ' +
          '(`{"status": "firing", "state": "alerting", ...}`). A firing (alerting) notification or a plain call does the ' +
          'trigger’s action; a resolved one (`status` other than `firing`, or `state` other than `alerting`) is ignored. ' +
          'Every call is audited. An unknown or revoked secret gets 404 and counts as a failed authentication.',
        params: TriggerCallParamsSchema,
        response: { 202: TriggerCallResultSchema, ...errorResponses(400, 404, 409) },
      },
    },
    async (request, reply) => {
      const trigger = found.get(request);
      const result = trigger ? await triggers.call(trigger, request.body) : null;
      if (!result) throw notFound(); // revoked since the lookup: nothing was done
      return reply.code(202).send(result);
    },
  );
}
