import { ContextValueSchema, LIMITS } from '@switchyard/sdk/schema';
import { z } from 'zod';

/**
 * An OFREP evaluation context: OpenFeature's `targetingKey` (Switchyard's context `key`) and attributes.
 * An attribute named `key` is refused: it would be Switchyard's key under another name.
 */
export const OfrepContextSchema = z
  .object({
    targetingKey: z
      .string()
      .min(1, 'the targeting key must not be empty')
      .max(LIMITS.maxContextKeyLength, `the targeting key must be at most ${LIMITS.maxContextKeyLength} characters`)
      .optional(),
  })
  .catchall(ContextValueSchema)
  .superRefine((context, ctx) => {
    if (Object.hasOwn(context, 'key')) {
      ctx.addIssue({ code: 'custom', path: ['key'], message: 'the context key is `targetingKey` in OFREP; `key` is not an attribute' });
    }
    const n = Object.keys(context).length;
    if (n > LIMITS.maxContextAttributes) {
      ctx.addIssue({ code: 'custom', path: [], message: `a context can have at most ${LIMITS.maxContextAttributes} attributes, got ${n}` });
    }
  })
  .describe('OpenFeature evaluation context: `targetingKey` plus attributes (strings, finite numbers, booleans, arrays of those)');
export type OfrepContext = z.infer<typeof OfrepContextSchema>;

export const EvaluationRequestSchema = z.object({ context: OfrepContextSchema.optional() }).describe('OFREP evaluationRequest');

export const FlagKeyParamsSchema = z.object({ key: z.string().min(1).max(LIMITS.maxKeyLength) });

/** What the web provider adds when an event told it to refetch (ADR-0008); accepted and not needed: the ETag says it all. */
export const BulkQuerySchema = z.object({
  flagConfigEtag: z.string().max(200).optional(),
  flagConfigLastModified: z.string().max(200).optional(),
});

/** The token is the stream's credential: without it the answer is 401, as for a missing key. */
export const EventStreamQuerySchema = z.object({ token: z.string().max(1000).optional() });

const MetadataSchema = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]));

const EvaluationSuccessSchema = z
  .object({
    key: z.string(),
    value: z.unknown(),
    reason: z.string().describe('STATIC, DEFAULT, TARGETING_MATCH, SPLIT, DISABLED or PREREQUISITE_FAILED (see docs/ofrep.md)'),
    variant: z.string().describe("The variation's index, as a string"),
    metadata: MetadataSchema.describe('flagVersion; ruleId when a rule matched; prerequisiteKey when a prerequisite failed'),
  })
  .describe('OFREP evaluationSuccess');

const EvaluationFailureSchema = z
  .object({
    key: z.string(),
    errorCode: z.enum(['FLAG_NOT_FOUND', 'PARSE_ERROR', 'TARGETING_KEY_MISSING', 'INVALID_CONTEXT', 'GENERAL']),
    errorDetails: z.string().optional(),
  })
  .describe('OFREP evaluationFailure');

const BulkFailureSchema = z
  .object({ errorCode: z.enum(['PARSE_ERROR', 'INVALID_CONTEXT', 'GENERAL']), errorDetails: z.string().optional() })
  .describe('OFREP bulkEvaluationFailure');

const EventStreamSchema = z.object({
  type: z.literal('sse'),
  endpoint: z.object({ requestUri: z.string().describe('/ofrep/v1/events?token=<stream token>, on the origin of the OFREP base URL') }),
  inactivityDelaySec: z.number().int(),
});

const BulkSuccessSchema = z
  .object({
    flags: z.array(z.union([EvaluationSuccessSchema, EvaluationFailureSchema])),
    metadata: z.object({ environment: z.string(), version: z.number().int() }),
    eventStreams: z.array(EventStreamSchema),
  })
  .describe('OFREP bulkEvaluationSuccess');

export const singleResponses = {
  200: EvaluationSuccessSchema,
  400: EvaluationFailureSchema,
  404: EvaluationFailureSchema,
  500: EvaluationFailureSchema,
};

export const bulkResponses = {
  200: BulkSuccessSchema,
  304: z.null().describe('Not modified: the ETag you sent is current (no body)'),
  400: BulkFailureSchema,
  500: BulkFailureSchema,
};
