import { SegmentDefinitionSchema, SegmentRulesSchema } from '@switchyard/sdk/schema';
import { z } from 'zod';
import { DescriptionSchema, KeySchema, NameSchema } from '../http/schemas.ts';

// Rule, clause and list shapes (and their limits) come from the SDK's schemas, which the engine evaluates.
const IncludedSchema = SegmentDefinitionSchema.shape.included.describe('context keys always in the segment');
const ExcludedSchema = SegmentDefinitionSchema.shape.excluded.describe('context keys never in the segment');
const RulesSchema = SegmentRulesSchema.describe('a context is in the segment when all clauses of any rule match');

export const SegmentSchema = z
  .object({
    key: z.string(),
    environment: z.string(),
    name: z.string(),
    description: z.string(),
    included: z.array(z.string()),
    excluded: z.array(z.string()),
    rules: RulesSchema,
    version: z.number().int().describe('grows with every change; send it back as If-Match'),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .describe('Segment');

const SegmentContentShape = {
  name: NameSchema,
  description: DescriptionSchema.optional(),
  included: IncludedSchema.optional(),
  excluded: ExcludedSchema.optional(),
  rules: RulesSchema.optional(),
};

export const CreateSegmentSchema = z.object({ key: KeySchema, ...SegmentContentShape }).strict();
/** A full replacement: omitted optional fields become empty. */
export const ReplaceSegmentSchema = z.object(SegmentContentShape).strict();

export const SegmentListParamsSchema = z.object({ env: KeySchema });
export const SegmentParamsSchema = z.object({ env: KeySchema, segmentKey: KeySchema });

export type SegmentView = z.infer<typeof SegmentSchema>;
export type SegmentContent = z.infer<typeof ReplaceSegmentSchema>;
