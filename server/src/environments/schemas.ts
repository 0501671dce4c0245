import { z } from 'zod';
import { KeySchema, NameSchema } from '../http/schemas.ts';

export const EnvironmentSchema = z
  .object({
    key: z.string(),
    name: z.string(),
    version: z.number().int().describe('grows with every change to this environment’s flags and segments'),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .describe('Environment');

export const EnvironmentParamsSchema = z.object({ env: KeySchema });
export const CreateEnvironmentSchema = z.object({ key: KeySchema, name: NameSchema }).strict();
export const UpdateEnvironmentSchema = z.object({ name: NameSchema }).strict();

export type EnvironmentView = z.infer<typeof EnvironmentSchema>;
