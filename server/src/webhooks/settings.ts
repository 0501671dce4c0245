import type { Config } from '../config/config.ts';
import type { WebhookSettings } from './delivery-loop.ts';

type WebhookConfig = Pick<
  Config,
  | 'SWITCHYARD_WEBHOOK_TIMEOUT_SECONDS'
  | 'SWITCHYARD_WEBHOOK_RETRY_BASE_SECONDS'
  | 'SWITCHYARD_WEBHOOK_RETRY_MAX_SECONDS'
  | 'SWITCHYARD_WEBHOOK_MAX_ATTEMPTS'
  | 'SWITCHYARD_WEBHOOK_RETENTION_DAYS'
>;

/** The webhook settings the environment variables give (the others keep DEFAULT_WEBHOOK_SETTINGS). */
export function webhookSettingsFrom(config: WebhookConfig): Partial<WebhookSettings> {
  return {
    timeoutMs: config.SWITCHYARD_WEBHOOK_TIMEOUT_SECONDS * 1000,
    backoffBaseMs: config.SWITCHYARD_WEBHOOK_RETRY_BASE_SECONDS * 1000,
    backoffMaxMs: config.SWITCHYARD_WEBHOOK_RETRY_MAX_SECONDS * 1000,
    maxAttempts: config.SWITCHYARD_WEBHOOK_MAX_ATTEMPTS,
    retentionDays: config.SWITCHYARD_WEBHOOK_RETENTION_DAYS,
  };
}
