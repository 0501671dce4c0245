/**
 * Structural checks of what arrives over the wire (the SDK does not ship zod). They guard the client's
 * own bookkeeping (versions, records); the engine copes with odd rules inside a well-formed flag.
 */
import type { FlagDefinition, PatchMessage, SegmentDefinition, ServerMessage, Snapshot } from '../model/index.ts';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isVersion(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function isFlag(key: string, value: unknown): value is FlagDefinition {
  return isRecord(value) && value.key === key && isVersion(value.version) && Array.isArray(value.variations);
}

function isSegment(key: string, value: unknown): value is SegmentDefinition {
  return isRecord(value) && value.key === key && isVersion(value.version);
}

function everyEntry(record: unknown, check: (key: string, value: unknown) => boolean): boolean {
  return isRecord(record) && Object.entries(record).every(([k, v]) => check(k, v));
}

export function isSnapshot(value: unknown): value is Snapshot {
  return (
    isRecord(value) &&
    typeof value.environment === 'string' &&
    isVersion(value.version) &&
    everyEntry(value.flags, isFlag) &&
    everyEntry(value.segments, isSegment)
  );
}

function isPatch(value: Record<string, unknown>): value is PatchMessage {
  return (
    isVersion(value.fromVersion) &&
    isVersion(value.version) &&
    everyEntry(value.flags, (k, v) => v === null || isFlag(k, v)) &&
    everyEntry(value.segments, (k, v) => v === null || isSegment(k, v))
  );
}

/** Parses one text frame; undefined for anything malformed or of an unknown type. */
export function parseServerMessage(text: string): ServerMessage | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isRecord(value)) return undefined;
  switch (value.type) {
    case 'snapshot':
      return isSnapshot(value.snapshot) ? { type: 'snapshot', snapshot: value.snapshot } : undefined;
    case 'patch':
      return isPatch(value) ? value : undefined;
    case 'ping':
    case 'pong':
      // `t` is only echoed back (in the pong answering a ping), so it is passed on as received.
      return { type: value.type, t: value.t as number };
    default:
      return undefined;
  }
}
