import { z } from 'zod';
import { KeySchema, NameSchema } from '../http/schemas.ts';

export const TokenKindSchema = z.enum(['admin', 'server', 'client']);
export const TokenRoleSchema = z.enum(['admin', 'editor', 'viewer']);
const EnvironmentRolesSchema = z
  .record(KeySchema, TokenRoleSchema)
  .refine((roles) => Object.keys(roles).length <= 1000, { message: 'at most 1000 environments' })
  .describe('environment key -> role, overriding `role` in that environment (admin tokens only)');

/** What anyone may see of a token: never its secret nor its hash. */
export const TokenSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    kind: TokenKindSchema,
    environment: z.string().nullable().describe('the environment key of a server or client key; null for admin tokens'),
    prefix: z.string().describe('the first characters of the secret, to tell tokens apart'),
    role: TokenRoleSchema.optional().describe('admin tokens (people) only: what they may do by default'),
    environmentRoles: EnvironmentRolesSchema.optional(),
    createdAt: z.iso.datetime(),
    lastUsedAt: z.iso.datetime().nullable(),
    revokedAt: z.iso.datetime().nullable(),
  })
  .describe('Token');

export const CreatedTokenSchema = TokenSchema.omit({ lastUsedAt: true, revokedAt: true })
  .extend({ secret: z.string().describe('the secret itself: shown only in this answer, store it now') })
  .describe('CreatedToken');

export const CreateTokenSchema = z
  .object({
    name: NameSchema,
    kind: TokenKindSchema,
    environment: KeySchema.optional().describe('required for server and client keys; not allowed for admin tokens'),
    role: TokenRoleSchema.optional().describe('admin tokens only; default admin'),
    environmentRoles: EnvironmentRolesSchema.optional(),
  })
  .strict()
  .superRefine((body, ctx) => {
    for (const field of ['role', 'environmentRoles'] as const) {
      if (body.kind !== 'admin' && body[field] !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: [field],
          message: `only admin tokens have roles; ${body.kind} keys read their environment only`,
        });
      }
    }
    if (body.kind === 'admin' && body.environment !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['environment'], message: 'admin tokens belong to no environment' });
    }
    if (body.kind !== 'admin' && body.environment === undefined) {
      ctx.addIssue({ code: 'custom', path: ['environment'], message: `${body.kind} keys need an environment` });
    }
  });

/** A person's new roles: either or both; `environmentRoles`, when sent, replaces the whole map. */
export const UpdateTokenSchema = z
  .object({
    role: TokenRoleSchema.optional().describe('what the person may do by default'),
    environmentRoles: EnvironmentRolesSchema.optional(),
  })
  .strict()
  .superRefine((body, ctx) => {
    if (body.role === undefined && body.environmentRoles === undefined) {
      ctx.addIssue({ code: 'custom', path: ['role'], message: 'send `role`, `environmentRoles` or both' });
    }
  });

export const ListTokensQuerySchema = z.object({
  kind: TokenKindSchema.optional(),
  environment: KeySchema.optional(),
  includeRevoked: z.enum(['true', 'false']).default('false').describe('also list revoked tokens'),
});

export const TokenParamsSchema = z.object({ id: z.uuid() });

export type TokenView = z.infer<typeof TokenSchema>;
export type CreatedTokenView = z.infer<typeof CreatedTokenSchema>;
