/**
 * What a trigger call's body says: who sent it, whether to act, and which alerts it is about.
 *
 * - Prometheus Alertmanager (webhook_config, payload version "4"): `{ version, status: "firing" | "resolved", alerts: [...] }`.
 * - Grafana alerting (webhook contact point): `{ status: "firing" | "resolved", state?: "alerting" | "ok", orgId, alerts?: [...] }`;
 *   Grafana's legacy alerting sends only `{ state: "alerting" | "ok" | "no_data" | ..., ruleName, evalMatches }`.
 * - Anything else is a plain call: no body, or JSON without `status` (or `state`) acts.
 *
 * Only a firing (or alerting) notification acts; a resolved one (or any other status) is ignored, so an
 * alert that clears does not switch the flag back: people decide that.
 */

export type AlertSource = 'alertmanager' | 'grafana' | 'webhook' | 'plain';

/** One alert as the audit log keeps it: its name, status and a few labels, cut to size. */
export type AlertSummary = { name: string | null; status: string | null; labels: Record<string, string> };

export type ClassifiedCall = {
  source: AlertSource;
  /** Whether the trigger does its action. */
  act: boolean;
  /** Why it does not (when `act` is false). */
  reason: string | null;
  /** The notification's status (or legacy Grafana state), as sent; null for a plain call. */
  status: string | null;
  /** The first MAX_ALERTS alerts. */
  alerts: AlertSummary[];
  /** How many alerts the notification carried. */
  alertCount: number;
};

/** Alerts kept per call in the audit log, labels per alert, characters per label: the log stays readable and bounded. */
export const MAX_ALERTS = 20;
export const MAX_LABELS = 10;
const MAX_TEXT = 200;

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

const text = (value: unknown): string | null => (typeof value === 'string' ? value.slice(0, MAX_TEXT) : null);

/** A printable form of a status that is not a string, for the reason (`status 3 is not "firing"`). */
const shown = (value: unknown): string =>
  typeof value === 'string' ? JSON.stringify(value.slice(0, MAX_TEXT)) : String(JSON.stringify(value)).slice(0, MAX_TEXT);

function sourceOf(body: Record<string, unknown>): AlertSource {
  // Grafana's notifications copy Alertmanager's shape (groupKey included) and add these.
  if ('orgId' in body || 'state' in body || 'ruleName' in body || 'ruleId' in body || 'evalMatches' in body) return 'grafana';
  if (body.version === '4' || typeof body.groupKey === 'string') return 'alertmanager';
  if ('status' in body) return 'webhook';
  return 'plain';
}

function summarize(alert: unknown): AlertSummary {
  if (!isObject(alert)) return { name: null, status: null, labels: {} };
  const labels: Record<string, string> = {};
  const given = isObject(alert.labels) ? alert.labels : {};
  for (const [key, value] of Object.entries(given)) {
    if (key === 'alertname' || typeof value !== 'string') continue;
    if (Object.keys(labels).length === MAX_LABELS) break;
    labels[key.slice(0, MAX_TEXT)] = value.slice(0, MAX_TEXT);
  }
  return { name: text(given.alertname), status: text(alert.status), labels };
}

function alertsOf(body: Record<string, unknown>): { alerts: AlertSummary[]; alertCount: number } {
  if (Array.isArray(body.alerts)) {
    return { alerts: body.alerts.slice(0, MAX_ALERTS).map(summarize), alertCount: body.alerts.length };
  }
  // Grafana's legacy alerting: one rule per notification.
  if ('ruleName' in body) return { alerts: [{ name: text(body.ruleName), status: text(body.state), labels: {} }], alertCount: 1 };
  return { alerts: [], alertCount: 0 };
}

/** Classifies a call's body: `undefined` when there was none (or it was not JSON). */
export function classifyAlertPayload(body: unknown): ClassifiedCall {
  if (!isObject(body)) return { source: 'plain', act: true, reason: null, status: null, alerts: [], alertCount: 0 };
  const source = sourceOf(body);
  const { alerts, alertCount } = alertsOf(body);
  const decide = (field: 'status' | 'state', acting: string) => {
    const value = body[field];
    if (value === acting) return { act: true, reason: null, status: acting };
    return { act: false, reason: `${field} ${shown(value)} is not "${acting}"`, status: text(value) ?? shown(value) };
  };
  // `status` decides when present (Grafana's unified alerting sends both, and they agree); else the legacy `state`.
  const decision = 'status' in body ? decide('status', 'firing') : 'state' in body ? decide('state', 'alerting') : null;
  if (!decision) return { source, act: true, reason: null, status: null, alerts, alertCount };
  return { source, ...decision, alerts, alertCount };
}
