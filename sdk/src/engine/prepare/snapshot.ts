/**
 * prepareSnapshot: turn a snapshot (plain JSON data) into structures that make evaluation cheap:
 * Maps and Sets for targets, `in` lists and segment lists, compiled regular expressions, parsed dates
 * and versions, pre-hashed bucketing prefixes, resolved segment and prerequisite references, and
 * pre-built frozen results. Everything that can make a flag malformed is found here, once.
 *
 * The input is only read, never written (not even frozen). Nothing here throws for bad data: a flag
 * with an invalid piece is marked malformed (it evaluates to ERROR/MALFORMED_FLAG), a segment with an
 * invalid piece makes every flag that can reach it malformed.
 */
import type { Snapshot } from '../../model/index.ts';
import { OP_SEGMENT_MATCH } from '../codes.ts';
import { allocateCounts } from '../counters.ts';
import { type EvaluationCounters, type PreparedClause, PreparedFlag, PreparedSegment, PreparedSnapshot } from '../prepared.ts';
import { prepareFlag } from './flag.ts';
import { flagsOnCycles } from './prerequisites.ts';
import { isRecord, Malformed, markMalformed } from './read.ts';
import { prepareSegment } from './segment.ts';

const EMPTY: Record<string, unknown> = {};

function resolveClauses(clauses: readonly PreparedClause[], segments: ReadonlyMap<string, PreparedSegment>): void {
  for (const c of clauses) {
    if (c.op === OP_SEGMENT_MATCH) c.segments = c.strings.map((k) => segments.get(k));
  }
}

function prepareSegments(rawSegments: Record<string, unknown>): Map<string, PreparedSegment> {
  const segments = new Map<string, PreparedSegment>();
  for (const key of Object.keys(rawSegments)) {
    const segment = new PreparedSegment();
    try {
      prepareSegment(key, rawSegments[key], segment);
    } catch (e) {
      markMalformed(segment, e);
    }
    segments.set(key, segment);
  }
  for (const segment of segments.values()) for (const rule of segment.rules) resolveClauses(rule, segments);
  return segments;
}

function prepareFlags(rawFlags: Record<string, unknown>): Map<string, PreparedFlag> {
  const flags = new Map<string, PreparedFlag>();
  for (const key of Object.keys(rawFlags)) {
    const flag = new PreparedFlag();
    try {
      prepareFlag(key, rawFlags[key], flag);
    } catch (e) {
      markMalformed(flag, e);
    }
    flags.set(key, flag);
  }
  return flags;
}

/** The first malformed segment reachable from `refs` through segmentMatch (transitively), if any. */
function reachesMalformed(refs: readonly string[], segments: ReadonlyMap<string, PreparedSegment>, seen: Set<string>): string | undefined {
  for (const k of refs) {
    if (seen.has(k)) continue;
    seen.add(k);
    const s = segments.get(k);
    if (s === undefined) continue;
    if (s.malformed) return k;
    const deeper = reachesMalformed(s.segmentRefs, segments, seen);
    if (deeper !== undefined) return deeper;
  }
  return undefined;
}

/**
 * Prepare a snapshot for evaluation. Never throws and never modifies `snapshot`; invalid flags are
 * marked malformed, and a value that is not a snapshot at all gives an empty prepared snapshot.
 */
export function prepareSnapshot(snapshot: Snapshot): PreparedSnapshot {
  return prepare(snapshot, null);
}

/** prepareSnapshot, with evaluations of the result counted in its flags and `counters` (see ../counters.ts). */
export function prepareCountedSnapshot(snapshot: Snapshot, counters: EvaluationCounters): PreparedSnapshot {
  return prepare(snapshot, counters);
}

function prepare(snapshot: Snapshot, counters: EvaluationCounters | null): PreparedSnapshot {
  const raw: Record<string, unknown> = isRecord(snapshot) ? snapshot : EMPTY;
  const rawFlags = isRecord(raw.flags) ? raw.flags : EMPTY;
  const rawSegments = isRecord(raw.segments) ? raw.segments : EMPTY;
  const segments = prepareSegments(rawSegments);
  const flags = prepareFlags(rawFlags);

  // Malformed segments make every flag that can reach them malformed; so do prerequisite cycles.
  const onCycles = flagsOnCycles(flags);
  for (const flag of flags.values()) {
    if (flag.malformed) continue;
    const bad = reachesMalformed(flag.segmentRefs, segments, new Set());
    if (bad !== undefined) {
      markMalformed(flag, new Malformed(`segment ${JSON.stringify(bad)} is malformed: ${segments.get(bad)!.malformedReason}`));
    } else if (onCycles.has(flag.key)) {
      markMalformed(flag, new Malformed('prerequisite cycle'));
    }
  }
  for (const flag of flags.values()) {
    if (flag.malformed) continue;
    for (const rule of flag.rules) resolveClauses(rule.clauses, segments);
    for (const p of flag.prerequisites) p.flag = flags.get(p.key);
  }

  if (counters !== null) for (const flag of flags.values()) allocateCounts(flag);

  const environment = typeof raw.environment === 'string' ? raw.environment : '';
  const version = typeof raw.version === 'number' ? raw.version : 0;
  return new PreparedSnapshot(environment, version, flags, segments, counters);
}
