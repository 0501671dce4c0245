import { MetricsReportSchema } from '@switchyard/sdk/schema';
import { z } from 'zod';

/** The body of `POST /sdk/metrics`: the SDK's report, exactly as the SDK's own schema defines it. */
export const MetricsReportBodySchema = MetricsReportSchema.describe(
  'MetricsReport: what an SDK counted in one window. `reportId` is the idempotency key: a retry sends the same report again.',
);

export const MetricsAcceptedSchema = z
  .object({
    accepted: z.literal(true),
    duplicate: z.boolean().describe('true when this reportId was already accepted: the retry changed nothing'),
  })
  .describe('MetricsAccepted');
