import { z } from 'zod';
import { NameSchema, PaginationQuerySchema, page } from '../http/schemas.ts';
import { textProblem } from '../http/storable-text.ts';

export const WEBHOOK_FORMATS = ['json', 'slack'] as const;
export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;

/** An audit action (`flag.toggled`, `flag.configuration.updated`, `release.rolled-back`), or `*` for every one. */
const EventNameSchema = z
  .string()
  .max(100)
  .regex(/^(?:\*|[a-z][a-z0-9-]*(?:\.[a-z][a-z0-9-]*)+)$/, 'must be an audit action such as flag.toggled, or "*" for every action');

const EventsSchema = z
  .array(EventNameSchema)
  .min(1)
  .max(100)
  .describe('the audit actions to deliver (e.g. flag.toggled, release.rolled-back), or ["*"] for every one');

/**
 * Where deliveries are POSTed. Only http and https, and no user:password part (fetch refuses one; put a
 * credential in the path or query, as Slack's webhook URLs do).
 */
const WebhookUrlSchema = z
  .string()
  .trim()
  .max(2000)
  .superRefine((text, ctx) => {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be an absolute http:// or https:// URL' });
      return;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      ctx.addIssue({ code: 'custom', message: 'must be an http:// or https:// URL' });
    } else if (url.username !== '' || url.password !== '') {
      ctx.addIssue({ code: 'custom', message: 'must not contain a user name or password' });
    }
  })
  .describe('http:// or https:// URL the deliveries are POSTed to');

const FormatSchema = z
  .enum(WEBHOOK_FORMATS)
  .describe('json: the audit event as JSON; slack: {text, blocks}, a one-line summary for a Slack (or compatible) incoming webhook');

export const CreateWebhookSchema = z
  .object({
    name: NameSchema,
    url: WebhookUrlSchema,
    events: EventsSchema,
    format: FormatSchema,
    enabled: z.boolean().optional().describe('defaults to true; a disabled webhook is sent nothing'),
  })
  .strict()
  .describe('CreateWebhook');

export const UpdateWebhookSchema = z
  .object({ name: NameSchema, url: WebhookUrlSchema, events: EventsSchema, format: FormatSchema, enabled: z.boolean() })
  .partial()
  .strict()
  .refine((body) => Object.keys(body).length > 0, { message: 'give at least one field to change' })
  .describe('UpdateWebhook');

export const WebhookParamsSchema = z.object({ id: z.uuid() });

/**
 * Any text: a delivery id that names no delivery of the webhook is a 404, like an unknown id. (Text
 * PostgreSQL cannot store would fail in the query, so it is refused here.)
 */
export const DeliveryParamsSchema = z.object({
  id: z.uuid(),
  deliveryId: z
    .string()
    .max(100)
    .refine((text) => textProblem(text) === undefined, 'must be a delivery id'),
});

/** What anyone may see of a webhook: never its signing secret. */
export const WebhookSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    url: z.string(),
    events: z.array(z.string()),
    format: z.enum(WEBHOOK_FORMATS),
    enabled: z.boolean(),
    version: z.number().int().describe('grows with every change; send it back as If-Match'),
    createdBy: z.string(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .describe('Webhook');

export const CreatedWebhookSchema = WebhookSchema.extend({
  signingSecret: z.string().describe('the HMAC-SHA256 key of the X-Switchyard-Signature header: shown only in this answer, store it now'),
}).describe('CreatedWebhook');

export const ListDeliveriesQuerySchema = PaginationQuerySchema.extend({
  status: z.enum(DELIVERY_STATUSES).optional().describe('only deliveries in this state'),
});

export const DeliverySchema = z
  .object({
    id: z.string().describe('also sent as the X-Switchyard-Delivery header: receivers drop a delivery id they have seen'),
    webhookId: z.string(),
    event: z.string().describe('the audit action'),
    status: z.enum(DELIVERY_STATUSES).describe('pending: waiting for its (next) attempt; delivered: a 2xx answer; failed: out of attempts'),
    attempts: z.number().int().describe('attempts since it was queued (or last redelivered); every attempt is in its attempt log'),
    lastStatusCode: z.number().int().nullable().describe('the HTTP status of the last attempt; null when it got no answer'),
    lastError: z.string().nullable().describe('why the last attempt failed (status, timeout, connection error); null after a success'),
    createdAt: z.iso.datetime(),
    nextAttemptAt: z.iso.datetime().nullable().describe('when a pending delivery is tried next'),
    lastAttemptAt: z.iso.datetime().nullable(),
    deliveredAt: z.iso.datetime().nullable(),
  })
  .describe('WebhookDelivery');

export const DeliveryDetailSchema = DeliverySchema.extend({
  payload: z.unknown().describe('the JSON body POSTed'),
}).describe('WebhookDeliveryDetail');

export const DeliveryPageSchema = page(DeliverySchema).describe('WebhookDeliveryPage');

export const AttemptSchema = z
  .object({
    id: z.string().describe('grows with every attempt recorded'),
    deliveryId: z.string(),
    attemptedAt: z.iso.datetime().describe('when the attempt started'),
    durationMs: z.number().int().describe('from sending the request to the end of the answer (or of the wait for one)'),
    statusCode: z.number().int().nullable().describe('the receiver’s HTTP status; null when it gave none (timeout, refused connection)'),
    error: z.string().nullable().describe('why the attempt failed (status, timeout, connection error); null when it succeeded'),
    responseSnippet: z.string().nullable().describe('the start of the receiver’s answer body (at most 1 KiB); null when it sent none'),
  })
  .describe('WebhookDeliveryAttempt');

export const AttemptPageSchema = page(AttemptSchema).describe('WebhookDeliveryAttemptPage');

export type WebhookFormat = (typeof WEBHOOK_FORMATS)[number];
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];
export type CreateWebhookInput = z.infer<typeof CreateWebhookSchema>;
export type UpdateWebhookInput = z.infer<typeof UpdateWebhookSchema>;
export type ListDeliveriesQuery = z.infer<typeof ListDeliveriesQuerySchema>;
export type WebhookView = z.infer<typeof WebhookSchema>;
export type CreatedWebhookView = z.infer<typeof CreatedWebhookSchema>;
export type DeliveryView = z.infer<typeof DeliverySchema>;
export type DeliveryDetailView = z.infer<typeof DeliveryDetailSchema>;
export type DeliveryPage = z.infer<typeof DeliveryPageSchema>;
export type AttemptView = z.infer<typeof AttemptSchema>;
export type AttemptPage = z.infer<typeof AttemptPageSchema>;
