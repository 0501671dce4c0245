import { VersionMismatchError } from '../errors/index.ts';

/**
 * Optimistic concurrency: a write based on version `expected` (the If-Match the client sent) goes
 * ahead only while the resource is still at that version. `null`: the write is unconditional.
 */
export function expectVersion(expected: number | null, current: number): void {
  if (expected !== null && expected !== current) throw new VersionMismatchError(current);
}
