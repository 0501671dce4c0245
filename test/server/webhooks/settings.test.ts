/** The webhook settings the server takes from its environment variables (config.ts validates them). */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../server/src/config/config.ts';
import { DEFAULT_WEBHOOK_SETTINGS, retryDelayMs } from '../../../server/src/webhooks/delivery-loop.ts';
import { webhookSettingsFrom } from '../../../server/src/webhooks/settings.ts';

describe('webhook settings from the environment', () => {
  it('are the defaults when no variable is set', () => {
    expect({ ...DEFAULT_WEBHOOK_SETTINGS, ...webhookSettingsFrom(loadConfig({})) }).toEqual(DEFAULT_WEBHOOK_SETTINGS);
  });

  it('turn seconds into the delivery loop’s milliseconds', () => {
    const config = loadConfig({
      SWITCHYARD_WEBHOOK_TIMEOUT_SECONDS: '3',
      SWITCHYARD_WEBHOOK_RETRY_BASE_SECONDS: '2',
      SWITCHYARD_WEBHOOK_RETRY_MAX_SECONDS: '60',
      SWITCHYARD_WEBHOOK_MAX_ATTEMPTS: '4',
      SWITCHYARD_WEBHOOK_RETENTION_DAYS: '30',
    });
    const settings = webhookSettingsFrom(config);
    expect(settings).toEqual({ timeoutMs: 3000, backoffBaseMs: 2000, backoffMaxMs: 60_000, maxAttempts: 4, retentionDays: 30 });
    // The backoff they give: 2 s doubling, capped at 60 s, of which the jitter keeps between half and all.
    const full = { backoffBaseMs: settings.backoffBaseMs!, backoffMaxMs: settings.backoffMaxMs! };
    expect([1, 2, 3, 10].map((n) => retryDelayMs(n, full, () => 1))).toEqual([2000, 4000, 8000, 60_000]);
    expect([1, 2, 3, 10].map((n) => retryDelayMs(n, full, () => 0))).toEqual([1000, 2000, 4000, 30_000]);
  });
});
