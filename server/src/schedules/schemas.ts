import { FlagConfigSchema, RolloutSchema, RuleSchema, TargetSchema } from '@switchyard/sdk/schema';
import { z } from 'zod';
import { KeySchema, PaginationQuerySchema, page } from '../http/schemas.ts';
import { StartReleasePlanSchema } from '../releases/schemas.ts';

const VariationIndex = TargetSchema.shape.variation;
const ContextKeys = TargetSchema.shape.values.min(1, 'give at least one context key');

export const MAX_INSTRUCTIONS = 20;

const TurnOnSchema = z.strictObject({ kind: z.literal('turnOn') }).describe('serve the targeting (on)');
const TurnOffSchema = z.strictObject({ kind: z.literal('turnOff') }).describe('serve the off variation');

const SetFallthroughSchema = z
  .strictObject({
    kind: z.literal('setFallthrough'),
    variation: VariationIndex.optional(),
    rollout: RolloutSchema.optional().describe('weights in thousandths of a percent (50 % is 50000), summing to 100000'),
  })
  .superRefine((value, ctx) => {
    if ((value.variation === undefined) === (value.rollout === undefined)) {
      ctx.addIssue({ code: 'custom', path: [], message: 'give either variation or rollout' });
    }
  })
  .describe('what contexts that match no target and no rule are served: a variation or a rollout');

const SetOffVariationSchema = z.strictObject({ kind: z.literal('setOffVariation'), variation: VariationIndex });

const AddTargetsSchema = z
  .strictObject({ kind: z.literal('addTargets'), variation: VariationIndex, values: ContextKeys })
  .describe('serve `variation` to these context keys (fails if one is targeted with another variation by then)');

const RemoveTargetsSchema = z
  .strictObject({ kind: z.literal('removeTargets'), variation: VariationIndex, values: ContextKeys })
  .describe('stop targeting these context keys with `variation` (fails if one is no longer targeted with it)');

const AddRuleSchema = z
  .strictObject({ kind: z.literal('addRule'), rule: RuleSchema })
  .describe('append a rule (fails if a rule with its id exists by then)');

const RemoveRuleSchema = z
  .strictObject({ kind: z.literal('removeRule'), ruleId: z.string().min(1).max(128) })
  .describe('remove the rule with this id (fails if there is none by then)');

const ReplaceRulesSchema = z.strictObject({ kind: z.literal('replaceRules'), rules: FlagConfigSchema.shape.rules });

const StartReleasePlanInstructionSchema = z
  .strictObject({ kind: z.literal('startReleasePlan'), plan: StartReleasePlanSchema })
  .describe('start a release plan on the flag in this environment (only as the last instruction)');

export const InstructionSchema = z
  .discriminatedUnion('kind', [
    TurnOnSchema,
    TurnOffSchema,
    SetFallthroughSchema,
    SetOffVariationSchema,
    AddTargetsSchema,
    RemoveTargetsSchema,
    AddRuleSchema,
    RemoveRuleSchema,
    ReplaceRulesSchema,
    StartReleasePlanInstructionSchema,
  ])
  .describe('Instruction');
export type Instruction = z.infer<typeof InstructionSchema>;
export type ConfigInstruction = Exclude<Instruction, { kind: 'startReleasePlan' }>;

export const InstructionsSchema = z
  .array(InstructionSchema)
  .min(1, 'give at least one instruction')
  .max(MAX_INSTRUCTIONS, `at most ${MAX_INSTRUCTIONS} instructions`)
  .superRefine((instructions, ctx) => {
    instructions.forEach((instruction, i) => {
      if (instruction.kind === 'startReleasePlan' && i !== instructions.length - 1) {
        // A running plan refuses targeting edits, so anything after the start could not apply.
        ctx.addIssue({ code: 'custom', path: [i, 'kind'], message: 'startReleasePlan must be the last instruction' });
      }
    });
  })
  .describe('applied in order, all or nothing');

const At = z.iso
  .datetime({ offset: true, error: 'must be an ISO 8601 instant with a time zone, e.g. 2027-01-15T09:00:00Z' })
  .describe('when to apply the change (ISO 8601 with a time zone); in the future by the server’s clock, at most a year ahead');
const Comment = z.string().max(1000);

export const CreateScheduledChangeSchema = z
  .strictObject({ at: At, instructions: InstructionsSchema, comment: Comment.optional() })
  .describe('CreateScheduledChange');
export type CreateScheduledChange = z.infer<typeof CreateScheduledChangeSchema>;

export const UpdateScheduledChangeSchema = z
  .strictObject({ at: At, instructions: InstructionsSchema, comment: Comment })
  .partial()
  .refine((body) => Object.keys(body).length > 0, { message: 'give at least one field to change' })
  .describe('UpdateScheduledChange');
export type UpdateScheduledChange = z.infer<typeof UpdateScheduledChangeSchema>;

export const SCHEDULED_CHANGE_STATUSES = ['pending', 'applied', 'failed', 'cancelled'] as const;
export type ScheduledChangeStatus = (typeof SCHEDULED_CHANGE_STATUSES)[number];
const StatusSchema = z.enum(SCHEDULED_CHANGE_STATUSES);

export const ScheduledChangeParamsSchema = z.object({ id: z.uuid('must be a scheduled change id (a UUID)') });
export const FlagScheduleParamsSchema = z.object({ key: KeySchema, env: KeySchema });

export const FlagScheduleQuerySchema = PaginationQuerySchema.extend({ status: StatusSchema.optional() });
export const ListScheduledChangesQuerySchema = FlagScheduleQuerySchema.extend({
  env: KeySchema.optional().describe('only this environment’s changes'),
  flag: KeySchema.optional().describe('only this flag’s changes'),
});
export type ListScheduledChangesQuery = z.infer<typeof ListScheduledChangesQuerySchema>;

export const ScheduledChangeSchema = z
  .object({
    id: z.string(),
    flagKey: z.string(),
    environmentKey: z.string(),
    at: z.iso.datetime(),
    instructions: z.array(InstructionSchema),
    comment: z.string(),
    status: StatusSchema,
    outcome: z.string().nullable().describe('what happened when it fell due; for `failed`, why (nothing was changed)'),
    baseVersion: z.number().int().describe('the configuration version when the change was scheduled or last edited'),
    version: z.number().int().describe('grows with every change to this scheduled change; send it back as If-Match'),
    createdBy: z.string(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
    appliedAt: z.iso.datetime().nullable().describe('when it fell due and was applied or failed; null while pending or cancelled'),
  })
  .describe('ScheduledChange');
export type ScheduledChangeView = z.infer<typeof ScheduledChangeSchema>;

export const ScheduledChangeListSchema = page(ScheduledChangeSchema).describe('ScheduledChangeList');
export type ScheduledChangeListView = z.infer<typeof ScheduledChangeListSchema>;
