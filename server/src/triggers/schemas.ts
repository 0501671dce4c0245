import { z } from 'zod';
import { KeySchema, NameSchema } from '../http/schemas.ts';

export const TriggerActionSchema = z
  .enum(['turn-off', 'turn-on', 'rollback-release'])
  .describe('what a call does: switch the flag off or on in the environment, or roll back its running release plan');

export const TriggerParamsSchema = z.object({ key: KeySchema, env: KeySchema });
export const TriggerIdParamsSchema = TriggerParamsSchema.extend({ id: z.uuid() });

/** The secret travels in the path; 200 characters is the router's limit on a path parameter anyway. */
export const TriggerCallParamsSchema = z.object({ secret: z.string().min(1).max(200) });

export const CreateTriggerSchema = z
  .object({
    name: NameSchema.describe('who calls it, e.g. "alertmanager: checkout errors"; audited as the actor `trigger:<name>`'),
    action: TriggerActionSchema,
  })
  .strict();

/** What anyone may see of a trigger: never its secret nor its hash. */
export const TriggerSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    action: TriggerActionSchema,
    flagKey: z.string(),
    environmentKey: z.string(),
    secretPrefix: z.string().describe('the first characters of the secret, to tell triggers apart'),
    createdBy: z.string(),
    createdAt: z.iso.datetime(),
    calls: z.number().int().describe('accepted calls (acted on or ignored)'),
    lastCalledAt: z.iso.datetime().nullable(),
    revoked: z.boolean(),
    revokedAt: z.iso.datetime().nullable(),
  })
  .describe('Trigger');

export const CreatedTriggerSchema = TriggerSchema.pick({
  id: true,
  name: true,
  action: true,
  flagKey: true,
  environmentKey: true,
  secretPrefix: true,
  createdAt: true,
})
  .extend({
    url: z.string().describe('the path to POST to, `/triggers/<secret>`: shown only in this answer'),
    secret: z.string().describe('the secret itself: shown only in this answer, store it now'),
  })
  .describe('CreatedTrigger');

export const TriggerCallOutcomeSchema = z.enum(['turned-off', 'turned-on', 'rolled-back', 'unchanged', 'no-release-plan', 'ignored']);

export const TriggerCallResultSchema = z
  .object({
    action: TriggerCallOutcomeSchema.describe(
      'what the call did: `unchanged` when the flag already was off (or on), `no-release-plan` when no plan was running or paused, ' +
        '`ignored` for a resolved alert',
    ),
    flagKey: z.string(),
    environmentKey: z.string(),
    reason: z.string().optional().describe('why the call was ignored'),
    releasePlanId: z.string().optional().describe('the release plan rolled back'),
  })
  .describe('TriggerCallResult');

export type TriggerAction = z.infer<typeof TriggerActionSchema>;
export type CreateTriggerInput = z.infer<typeof CreateTriggerSchema>;
export type TriggerView = z.infer<typeof TriggerSchema>;
export type CreatedTriggerView = z.infer<typeof CreatedTriggerSchema>;
export type TriggerCallOutcome = z.infer<typeof TriggerCallOutcomeSchema>;
export type TriggerCallResult = z.infer<typeof TriggerCallResultSchema>;
