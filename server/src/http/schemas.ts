import { z } from 'zod';

/** Keys appear in URLs: short, URL-safe, and stable once created (the engine's own definition). */
export { KeySchema } from '@switchyard/sdk/schema';

export const NameSchema = z.string().trim().min(1).max(200);
export const DescriptionSchema = z.string().max(10_000);

export const ErrorResponseSchema = z
  .object({
    error: z.string().describe('machine-readable code, e.g. validation_failed, not_found, version_mismatch'),
    message: z.string(),
    details: z.array(z.object({ path: z.string(), message: z.string() })),
    currentVersion: z.number().int().optional(),
  })
  .describe('Error');

/** The error answers a route can give, for its OpenAPI `response` map. */
export const errorResponses = (...codes: (400 | 401 | 403 | 404 | 409 | 412 | 422 | 503)[]) =>
  Object.fromEntries(codes.map((code) => [code, ErrorResponseSchema])) as Record<number, typeof ErrorResponseSchema>;

export const PaginationQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});

export const page = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), total: z.number().int(), limit: z.number().int(), offset: z.number().int() });
