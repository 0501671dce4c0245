import { z } from 'zod';
import { KeySchema, NameSchema } from '../http/schemas.ts';

export const TokenKindSchema = z.enum(['admin', 'server', 'client']);

/** What anyone may see of a token: never its secret nor its hash. */
export const TokenSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    kind: TokenKindSchema,
    environment: z.string().nullable().describe('the environment key of a server or client key; null for admin tokens'),
    prefix: z.string().describe('the first characters of the secret, to tell tokens apart'),
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
  })
  .strict()
  .superRefine((body, ctx) => {
    if (body.kind === 'admin' && body.environment !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['environment'], message: 'admin tokens belong to no environment' });
    }
    if (body.kind !== 'admin' && body.environment === undefined) {
      ctx.addIssue({ code: 'custom', path: ['environment'], message: `${body.kind} keys need an environment` });
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
