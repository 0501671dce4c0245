/** What a delivery's body says (both formats), and how far apart its attempts are. */
import { describe, expect, it } from 'vitest';
import type { RecordedAuditEvent } from '../../../server/src/changes/write-unit.ts';
import { retryDelayMs } from '../../../server/src/webhooks/delivery-loop.ts';
import { jsonPayload, payloadFor, summaryOf } from '../../../server/src/webhooks/payloads.ts';

const event = (overrides: Partial<RecordedAuditEvent> = {}): RecordedAuditEvent => ({
  id: 42n,
  createdAt: new Date('2026-12-03T10:00:00.000Z'),
  actor: 'guard',
  action: 'release.rolled-back',
  resourceType: 'release-plan',
  resourceKey: 'plan-1',
  flagKey: 'new-checkout',
  environmentKey: 'production',
  before: { status: 'running' },
  after: { status: 'rolled-back', reason: 'checkout-error regressed' },
  ...overrides,
});

describe('payloads', () => {
  it('sums a change up in one line for people, with the reason a writer gave', () => {
    expect(summaryOf(event())).toBe('*release.rolled-back* new-checkout in production by guard: checkout-error regressed');
    expect(summaryOf(event({ action: 'flag.toggled', actor: 'ops', after: { on: false } }))).toBe(
      '*flag.toggled* new-checkout in production by ops: turned off',
    );
    expect(summaryOf(event({ action: 'flag.created', flagKey: 'f', environmentKey: null, after: { key: 'f' } }))).toBe(
      '*flag.created* f by guard',
    );
    // Resources keyed by a generated id are named by their name; Slack's three special characters are escaped.
    expect(
      summaryOf(
        event({
          action: 'webhook.deleted',
          resourceType: 'webhook',
          flagKey: null,
          environmentKey: null,
          before: { name: 'ops <alerts> & co' },
          after: null,
        }),
      ),
    ).toBe('*webhook.deleted* ops &lt;alerts&gt; &amp; co by guard');
  });

  it('gives a slack webhook {text, blocks} and a json webhook the audit event', () => {
    const text = '*release.rolled-back* new-checkout in production by guard: checkout-error regressed';
    expect(payloadFor('slack', event())).toEqual({ text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] });
    expect(payloadFor('json', event())).toEqual({
      id: '42',
      event: 'release.rolled-back',
      createdAt: '2026-12-03T10:00:00.000Z',
      actor: 'guard',
      resourceType: 'release-plan',
      resourceKey: 'plan-1',
      flagKey: 'new-checkout',
      environmentKey: 'production',
      before: { status: 'running' },
      after: { status: 'rolled-back', reason: 'checkout-error regressed' },
    });
    expect(jsonPayload(event({ flagKey: undefined, before: undefined, after: { at: new Date(0), gone: undefined } }))).toMatchObject({
      flagKey: null,
      before: null,
      after: { at: '1970-01-01T00:00:00.000Z' },
    });
  });
});

describe('retry delays', () => {
  const settings = { backoffBaseMs: 5_000, backoffMaxMs: 60 * 60 * 1000 };

  it('double with each failed attempt, jittered within the upper half, and stop growing at the cap', () => {
    for (let attempts = 1; attempts <= 20; attempts++) {
      const full = Math.min(settings.backoffMaxMs, 5_000 * 2 ** (attempts - 1));
      expect(retryDelayMs(attempts, settings, () => 0)).toBe(full / 2);
      expect(retryDelayMs(attempts, settings, () => 0.999999)).toBeCloseTo(full, -1);
      const drawn = retryDelayMs(attempts, settings);
      expect(drawn).toBeGreaterThanOrEqual(full / 2);
      expect(drawn).toBeLessThanOrEqual(full);
    }
    expect(retryDelayMs(1, settings, () => 1)).toBe(5_000);
    expect(retryDelayMs(7, settings, () => 1)).toBe(320_000);
    expect(retryDelayMs(100, settings, () => 1)).toBe(settings.backoffMaxMs);
  });
});
