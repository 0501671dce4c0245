import { FlagConfigSchema, FlagKindSchema, LIMITS } from '@switchyard/sdk/schema';
import { z } from 'zod';
import { DescriptionSchema, KeySchema, NameSchema, PaginationQuerySchema, page } from '../http/schemas.ts';
import { FlagStatusNameSchema } from '../insights/schemas.ts';
import { variationProblems } from './variations.ts';

const VariationValueSchema = z.unknown().describe('a value of the flag’s kind (any JSON value for a json flag)');
const VariationsSchema = z.array(VariationValueSchema).max(LIMITS.maxVariations);
const TagSchema = z.string().trim().min(1).max(64);
const TagsSchema = z.array(TagSchema).max(50);

export const FlagParamsSchema = z.object({ key: KeySchema });

export const CreateFlagSchema = z
  .object({
    key: KeySchema,
    name: NameSchema,
    description: DescriptionSchema.optional(),
    kind: FlagKindSchema,
    variations: VariationsSchema.optional().describe('required unless the kind is boolean, which defaults to [true, false]'),
    tags: TagsSchema.optional(),
    temporary: z.boolean().optional().describe('defaults to true: a release flag meant to be removed'),
    clientSideAvailable: z.boolean().optional(),
  })
  .strict()
  .superRefine((body, ctx) => {
    if (body.variations === undefined) {
      if (body.kind !== 'boolean') ctx.addIssue({ code: 'custom', path: ['variations'], message: `required for a ${body.kind} flag` });
      return;
    }
    for (const problem of variationProblems(body.kind, body.variations)) ctx.addIssue({ code: 'custom', ...problem });
  })
  .describe('CreateFlag');

export const UpdateFlagSchema = z
  .object({
    name: NameSchema,
    description: DescriptionSchema,
    tags: TagsSchema,
    temporary: z.boolean(),
    clientSideAvailable: z.boolean(),
    variations: VariationsSchema.describe('new values for the existing variations: same count, values of the flag’s kind'),
  })
  .partial()
  .strict()
  .refine((body) => Object.keys(body).length > 0, { message: 'give at least one field to change' })
  .describe('UpdateFlag');

const ArchivedFilterSchema = z.enum(['false', 'true', 'all']).default('false');

/** A parameter that lists values: `?p=a&p=b` and `?p=a,b` both give the distinct non-empty values a and b. */
const listParameter = () =>
  z
    .union([z.string(), z.array(z.string())])
    .optional()
    .transform((value) => {
      const values = Array.isArray(value) ? value : value === undefined ? [] : [value];
      return [
        ...new Set(
          values
            .flatMap((v) => v.split(','))
            .map((v) => v.trim())
            .filter(Boolean),
        ),
      ];
    });

/** `?tag=a&tag=b` and `?tag=a,b` both mean "tagged a and b". */
const TagFilterSchema = listParameter();
/** `?status=launched&status=inactive` and `?status=launched,inactive` both mean "launched or inactive". */
const StatusFilterSchema = listParameter().pipe(z.array(FlagStatusNameSchema));

export const ListFlagsQuerySchema = PaginationQuerySchema.extend({
  tag: TagFilterSchema.describe('only flags carrying every given tag (repeat the parameter or separate with commas)'),
  q: z.string().trim().max(200).optional().describe('case-insensitive search in key, name and description'),
  archived: ArchivedFilterSchema.describe('false (default): active flags; true: archived flags; all: both'),
  env: KeySchema.optional().describe('an environment key: include each flag’s on/off state and status there'),
  status: StatusFilterSchema.describe(
    'only flags with one of these statuses in the environment named by `env`, which it needs (repeat the parameter or separate with commas)',
  ),
}).superRefine((query, ctx) => {
  if (query.status.length > 0 && query.env === undefined) {
    ctx.addIssue({ code: 'custom', path: ['env'], message: 'required with `status`: a flag has a status in each environment' });
  }
});

export const FlagSchema = z
  .object({
    key: z.string(),
    name: z.string(),
    description: z.string(),
    kind: FlagKindSchema,
    variations: z.array(VariationValueSchema),
    tags: z.array(z.string()),
    temporary: z.boolean(),
    archived: z.boolean(),
    clientSideAvailable: z.boolean(),
    salt: z.string().describe('mixed into the bucketing hash so that flags bucket independently'),
    version: z.number().int().describe('grows with every metadata change; send it back as If-Match'),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .describe('Flag');

export const FlagListItemSchema = FlagSchema.extend({
  on: z.boolean().optional().describe('the flag’s on/off state in the environment named by `env`, when given'),
  status: FlagStatusNameSchema.optional().describe('the flag’s status in the environment named by `env`, when given'),
  releasePlan: z
    .object({ id: z.string(), status: z.enum(['running', 'paused']) })
    .nullable()
    .optional()
    .describe('the running or paused release plan of the flag in the environment named by `env` (null: none), when given'),
  pendingSchedules: z
    .number()
    .int()
    .optional()
    .describe('how many scheduled changes of the flag wait to fall due in the environment named by `env`, when given'),
}).describe('FlagListItem');

export const FlagListSchema = page(FlagListItemSchema).describe('FlagList');

export const FlagEnvironmentSummarySchema = z
  .object({ on: z.boolean(), version: z.number().int().describe('the configuration version in this environment') })
  .describe('FlagEnvironmentSummary');

export const FlagDetailSchema = FlagSchema.extend({
  environments: z.record(z.string(), FlagEnvironmentSummarySchema).describe('keyed by environment key'),
}).describe('FlagDetail');

export const FlagConfigParamsSchema = z.object({ key: KeySchema, env: KeySchema });

export const FlagConfigBodySchema = FlagConfigSchema.describe('FlagConfig');

export const FlagConfigPatchSchema = FlagConfigSchema.partial()
  .refine((body) => Object.keys(body).length > 0, { message: 'give at least one field to change' })
  .describe('FlagConfigPatch');

export const ToggleSchema = z
  .object({ on: z.boolean().describe('the state to set (setting the current state changes nothing)') })
  .strict()
  .describe('Toggle');

export const FlagConfigResponseSchema = FlagConfigSchema.extend({
  flagKey: z.string(),
  environmentKey: z.string(),
  version: z.number().int().describe('grows with every change to this configuration; send it back as If-Match'),
  updatedAt: z.iso.datetime(),
}).describe('FlagConfigResponse');

export type CreateFlagInput = z.infer<typeof CreateFlagSchema>;
export type UpdateFlagInput = z.infer<typeof UpdateFlagSchema>;
export type ListFlagsQuery = z.infer<typeof ListFlagsQuerySchema>;
export type FlagConfigPatch = z.infer<typeof FlagConfigPatchSchema>;

export type FlagConfigView = z.infer<typeof FlagConfigResponseSchema>;
export type FlagView = z.infer<typeof FlagSchema>;
export type FlagListView = z.infer<typeof FlagListSchema>;
export type FlagDetailView = z.infer<typeof FlagDetailSchema>;
