/**
 * Reading untrusted snapshot data. Preparation never throws to its caller: a piece that cannot be read
 * throws Malformed, which marks the flag or segment being prepared as malformed.
 */
import type { PreparedFlag, PreparedSegment } from '../prepared.ts';

/** Thrown (and caught) inside preparation to mark the flag or segment being prepared as malformed. */
export class Malformed extends Error {}

export function fail(message: string): never {
  throw new Malformed(message);
}

export function markMalformed(target: PreparedFlag | PreparedSegment, e: unknown): void {
  target.malformed = true;
  target.malformedReason = e instanceof Malformed ? e.message : `unexpected error: ${String(e)}`;
}

export function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

export function arrayField(o: Record<string, unknown>, field: string): unknown[] {
  const v = o[field];
  if (!Array.isArray(v)) fail(`${field} must be an array`);
  return v;
}

export function optionalArrayField(o: Record<string, unknown>, field: string): unknown[] {
  const v = o[field];
  if (v === undefined) return [];
  if (!Array.isArray(v)) fail(`${field} must be an array`);
  return v;
}

export function isVariationIndex(x: unknown, count: number): x is number {
  return typeof x === 'number' && Number.isInteger(x) && x >= 0 && x < count;
}
