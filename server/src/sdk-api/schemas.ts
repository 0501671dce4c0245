import { ContextSchema, LIMITS } from '@switchyard/sdk/schema';
import { z } from 'zod';

/** Remote evaluation asks for at most this many named flags. */
export const MAX_REQUESTED_FLAGS = 1000;

export const EvaluateBodySchema = z.strictObject({
  context: ContextSchema,
  flags: z.array(z.string().min(1).max(LIMITS.maxKeyLength)).max(MAX_REQUESTED_FLAGS).optional(),
});
export type EvaluateBody = z.infer<typeof EvaluateBodySchema>;

const ReasonSchema = z
  .object({ kind: z.enum(['OFF', 'FALLTHROUGH', 'TARGET_MATCH', 'RULE_MATCH', 'PREREQUISITE_FAILED', 'ERROR']) })
  .catchall(z.unknown())
  .describe(
    'Why this value: OFF, FALLTHROUGH, TARGET_MATCH, RULE_MATCH (with ruleIndex, ruleId), ' +
      'PREREQUISITE_FAILED (with prerequisiteKey) or ERROR (with errorKind)',
  );

export const EvaluationResultSchema = z
  .object({
    environment: z.string(),
    version: z.number().int(),
    flags: z.record(z.string(), z.object({ value: z.unknown(), variationIndex: z.number().int().nullable(), reason: ReasonSchema })),
  })
  .describe('RemoteEvaluation');

export const SnapshotResponseSchema = z
  .object({
    environment: z.string(),
    version: z.number().int(),
    flags: z.record(z.string(), z.unknown()),
    segments: z.record(z.string(), z.unknown()),
  })
  .describe('Snapshot: every flag definition (archived flags excluded) and segment of the environment at `version`');
