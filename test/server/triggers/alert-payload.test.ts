import { describe, expect, it } from 'vitest';
import { classifyAlertPayload, MAX_ALERTS, MAX_LABELS } from '../../../server/src/triggers/alert-payload.ts';

describe('classifying a trigger call’s body', () => {
  it('acts on a plain call: no body, or JSON without status or state', () => {
    for (const body of [undefined, null, {}, { reason: 'manual' }, [], ['firing'], 'firing', 42, true]) {
      expect(classifyAlertPayload(body), JSON.stringify(body)).toEqual({
        source: 'plain',
        act: true,
        reason: null,
        status: null,
        alerts: [],
        alertCount: 0,
      });
    }
  });

  it('acts on a firing Alertmanager notification and ignores a resolved one', () => {
    const alerts = [
      { status: 'firing', labels: { alertname: 'HighErrors', severity: 'page' } },
      { status: 'resolved', labels: { alertname: 'HighErrors', severity: 'ticket' } },
    ];
    expect(classifyAlertPayload({ version: '4', status: 'firing', alerts })).toEqual({
      source: 'alertmanager',
      act: true,
      reason: null,
      status: 'firing',
      alerts: [
        { name: 'HighErrors', status: 'firing', labels: { severity: 'page' } },
        { name: 'HighErrors', status: 'resolved', labels: { severity: 'ticket' } },
      ],
      alertCount: 2,
    });
    expect(classifyAlertPayload({ version: '4', status: 'resolved', alerts })).toMatchObject({
      source: 'alertmanager',
      act: false,
      reason: 'status "resolved" is not "firing"',
      status: 'resolved',
    });
  });

  it('reads Grafana’s unified alerting by its status and its legacy alerting by its state', () => {
    expect(classifyAlertPayload({ status: 'firing', state: 'alerting', orgId: 1, groupKey: 'k', alerts: [] })).toMatchObject({
      source: 'grafana',
      act: true,
    });
    expect(classifyAlertPayload({ status: 'resolved', state: 'ok', orgId: 1 })).toMatchObject({ source: 'grafana', act: false });
    expect(classifyAlertPayload({ state: 'alerting', ruleName: 'Latency', evalMatches: [] })).toEqual({
      source: 'grafana',
      act: true,
      reason: null,
      status: 'alerting',
      alerts: [{ name: 'Latency', status: 'alerting', labels: {} }],
      alertCount: 1,
    });
    for (const state of ['ok', 'no_data', 'paused', 'pending']) {
      expect(classifyAlertPayload({ state, ruleName: 'Latency' })).toMatchObject({
        act: false,
        reason: `state "${state}" is not "alerting"`,
      });
    }
  });

  it('acts only on "firing" when a status is given, whatever it is', () => {
    for (const status of ['FIRING', 'pending', '', null, 3, { firing: true }]) {
      const call = classifyAlertPayload({ status });
      expect(call.act, JSON.stringify(status)).toBe(false);
      expect(call.source).toBe('webhook');
      expect(call.reason).toMatch(/^status .* is not "firing"$/);
    }
  });

  it('keeps a bounded summary: at most 20 alerts, 10 string labels each, 200 characters a text', () => {
    const labels = Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`label${i}`, 'v'.repeat(300)]));
    const alerts = Array.from({ length: 50 }, (_, i) => ({ status: 'firing', labels: { alertname: `A${i}`, count: 3, ...labels } }));
    const call = classifyAlertPayload({ version: '4', status: 'firing', alerts: [...alerts, 'not an alert'] });
    expect(call.alertCount).toBe(51);
    expect(call.alerts).toHaveLength(MAX_ALERTS);
    for (const alert of call.alerts) {
      expect(Object.keys(alert.labels)).toHaveLength(MAX_LABELS);
      expect(alert.labels.count).toBeUndefined();
      for (const value of Object.values(alert.labels)) expect(value).toHaveLength(200);
    }
    expect(classifyAlertPayload({ status: 'firing', alerts: ['x', null] }).alerts).toEqual([
      { name: null, status: null, labels: {} },
      { name: null, status: null, labels: {} },
    ]);
  });
});
