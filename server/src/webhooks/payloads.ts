import type { RecordedAuditEvent } from '../changes/write-unit.ts';
import type { WebhookFormat } from './schemas.ts';

/** The body of a `json` delivery: the audit event. `id` is the audit event's (the same for every webhook it goes to). */
export type JsonPayload = {
  id: string;
  event: string;
  createdAt: string;
  actor: string;
  resourceType: string;
  resourceKey: string;
  flagKey: string | null;
  environmentKey: string | null;
  before: unknown;
  after: unknown;
};

/** The body of a `slack` delivery, as Slack's (and Mattermost's, Discord's /slack, ...) incoming webhooks take it. */
export type SlackPayload = {
  text: string;
  blocks: { type: 'section'; text: { type: 'mrkdwn'; text: string } }[];
};

export function jsonPayload(event: RecordedAuditEvent): JsonPayload {
  return {
    id: String(event.id),
    event: event.action,
    createdAt: event.createdAt.toISOString(),
    actor: event.actor,
    resourceType: event.resourceType,
    resourceKey: event.resourceKey,
    flagKey: event.flagKey ?? null,
    environmentKey: event.environmentKey ?? null,
    // Through JSON, as the audit log stores them (no undefined, no Date objects).
    before: JSON.parse(JSON.stringify(event.before ?? null)),
    after: JSON.parse(JSON.stringify(event.after ?? null)),
  };
}

/** Slack's mrkdwn needs these three escaped; anything else in a name is shown as typed. */
const escapeMrkdwn = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

const field = (value: unknown, name: string): unknown =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>)[name] : undefined;

/** What the change did, when the event says it in a word: a toggle's new state, or the `reason` a writer gave (a rollback's). */
function detailOf(event: RecordedAuditEvent): string | null {
  const reason = field(event.after, 'reason');
  if (typeof reason === 'string' && reason.trim() !== '') return reason.trim().slice(0, 300);
  const on = field(event.after, 'on');
  if (event.action === 'flag.toggled' && typeof on === 'boolean') return on ? 'turned on' : 'turned off';
  return null;
}

/** Resources whose key is a generated id: a summary names them by their name. */
const NAMED_BY_NAME = new Set(['token', 'webhook']);

/**
 * One line for people: `*release.rolled-back* new-checkout in production by guard: checkout-error regressed`.
 * The subject is the flag when the event is about one, else the resource.
 */
export function summaryOf(event: RecordedAuditEvent): string {
  const name = field(event.after ?? event.before, 'name');
  const byName = NAMED_BY_NAME.has(event.resourceType) && typeof name === 'string';
  const subject = event.flagKey ?? (byName ? name : event.resourceKey);
  const where = event.environmentKey && event.environmentKey !== subject ? ` in ${event.environmentKey}` : '';
  const detail = detailOf(event);
  return escapeMrkdwn(`*${event.action}* ${subject}${where} by ${event.actor}${detail ? `: ${detail}` : ''}`);
}

export function slackPayload(event: RecordedAuditEvent): SlackPayload {
  const text = summaryOf(event);
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
}

/** The body a webhook of this format is sent for the event. */
export function payloadFor(format: WebhookFormat, event: RecordedAuditEvent): JsonPayload | SlackPayload {
  return format === 'slack' ? slackPayload(event) : jsonPayload(event);
}
