import { z } from 'zod';

export const RoleSchema = z.enum(['admin', 'editor', 'viewer']);

export const SignInSchema = z
  .object({ token: z.string().min(1).max(1000).describe('a personal token (an admin-kind token of any role)') })
  .strict();

/** What the console learns of its session: who, with which roles, and the CSRF token for writes. */
export const SessionSchema = z
  .object({
    name: z.string().describe("the token's name: the audit log names the person by it"),
    role: RoleSchema,
    environmentRoles: z.record(z.string(), RoleSchema).describe('environment key -> role, overriding `role` there'),
    csrfToken: z.string().describe('send it as X-CSRF-Token on every write made with the session cookie'),
    expiresAt: z.iso.datetime(),
  })
  .describe('Session');

export type SessionView = z.infer<typeof SessionSchema>;
