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

/** Reads one flag definition; a piece that cannot be read leaves the flag malformed. */
function readFlag(key: string, raw: unknown): PreparedFlag {
  const flag = new PreparedFlag();
  try {
    prepareFlag(key, raw, flag);
  } catch (e) {
    markMalformed(flag, e);
  }
  return flag;
}

function prepareFlags(rawFlags: Record<string, unknown>): Map<string, PreparedFlag> {
  const flags = new Map<string, PreparedFlag>();
  for (const key of Object.keys(rawFlags)) flags.set(key, readFlag(key, rawFlags[key]));
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

/**
 * What a flag needs once every flag and segment of its snapshot is read: malformed if it can reach a
 * malformed segment or lies on a prerequisite cycle (`onCycles`), else its segment and prerequisite
 * references resolved; counting slots when the snapshot is counted.
 */
function finishFlag(
  flag: PreparedFlag,
  flags: ReadonlyMap<string, PreparedFlag>,
  segments: ReadonlyMap<string, PreparedSegment>,
  onCycles: ReadonlySet<string>,
  counters: EvaluationCounters | null,
): void {
  if (!flag.malformed) {
    const bad = reachesMalformed(flag.segmentRefs, segments, new Set());
    if (bad !== undefined) {
      markMalformed(flag, new Malformed(`segment ${JSON.stringify(bad)} is malformed: ${segments.get(bad)!.malformedReason}`));
    } else if (onCycles.has(flag.key)) {
      markMalformed(flag, new Malformed('prerequisite cycle'));
    }
  }
  if (!flag.malformed) {
    for (const rule of flag.rules) resolveClauses(rule.clauses, segments);
    for (const p of flag.prerequisites) p.flag = flags.get(p.key);
  }
  if (counters !== null) allocateCounts(flag);
}

function parts(snapshot: Snapshot) {
  const raw: Record<string, unknown> = isRecord(snapshot) ? snapshot : EMPTY;
  return {
    flags: isRecord(raw.flags) ? raw.flags : EMPTY,
    segments: isRecord(raw.segments) ? raw.segments : EMPTY,
    environment: typeof raw.environment === 'string' ? raw.environment : '',
    version: typeof raw.version === 'number' ? raw.version : 0,
  };
}

function prepare(snapshot: Snapshot, counters: EvaluationCounters | null): PreparedSnapshot {
  const raw = parts(snapshot);
  const segments = prepareSegments(raw.segments);
  const flags = prepareFlags(raw.flags);
  const onCycles = flagsOnCycles(flags);
  for (const flag of flags.values()) finishFlag(flag, flags, segments, onCycles, counters);
  return new PreparedSnapshot(raw.environment, raw.version, flags, segments, counters);
}

/**
 * Prepares `next` as prepare(next, counters) would, reusing the prepared flags of `previous` whose
 * definition is the same object in both snapshots (a patch applied by the client copies the flags it
 * does not change by reference): a patch costs the flags it changes, not the whole snapshot (with 201
 * flags, preparing all of them made a rollback reach 1,000 clients on 2 cores in 333 ms at p99,
 * bench/README.md "Release plans"). `previous.prepared` must be `previous.snapshot` prepared.
 *
 * Reused flags keep their evaluation counts: a counted snapshot's owner harvests `previous` after
 * `next` replaced it (metrics/recorder.ts), so counts made before are harvested once and later ones
 * accumulate for the next harvest.
 */
export function prepareSnapshotFrom(
  next: Snapshot,
  previous: { snapshot: Snapshot; prepared: PreparedSnapshot },
  counters: EvaluationCounters | null,
): PreparedSnapshot {
  return prepareChanged(next, previous, counters) ?? prepare(next, counters);
}

const NO_CYCLES: ReadonlySet<string> = new Set();

function sameEntries(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  if (a === b) return true;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (let i = 0; i < ka.length; i++) {
    if (ka[i] !== kb[i] || a[ka[i]!] !== b[kb[i]!]) return false;
  }
  return true;
}

/**
 * prepareSnapshotFrom's reuse, or undefined where it could differ from a full prepare: segments
 * changed (they decide which flags are malformed and what segmentMatch resolves to), counted and
 * uncounted mixed, or a flag has a prerequisite on a changed (added, edited or removed) flag.
 *
 * Why that last condition suffices: a prerequisite cycle, old or new, through a changed flag enters
 * it by an edge from a flag of `next` (an unchanged flag has the same edges in both snapshots), so
 * without such an edge no changed flag lies on a cycle and every unchanged flag keeps its cycles; an
 * unchanged flag's resolved prerequisites then all point to reused flags, and a changed flag's are
 * resolved against the new map.
 */
function prepareChanged(
  next: Snapshot,
  previous: { snapshot: Snapshot; prepared: PreparedSnapshot },
  counters: EvaluationCounters | null,
): PreparedSnapshot | undefined {
  const before = previous.prepared;
  if ((counters === null) !== (before.counters === null)) return undefined;
  const raw = parts(next);
  const old = parts(previous.snapshot);
  if (!sameEntries(raw.segments, old.segments)) return undefined;

  const flags = new Map<string, PreparedFlag>();
  const fresh: PreparedFlag[] = [];
  const changed = new Set<string>();
  for (const key of Object.keys(raw.flags)) {
    const definition = raw.flags[key];
    if (Object.hasOwn(old.flags, key) && old.flags[key] === definition) {
      const kept = before.flags.get(key);
      if (kept === undefined) return undefined;
      flags.set(key, kept);
      continue;
    }
    changed.add(key);
    const flag = readFlag(key, definition);
    flags.set(key, flag);
    fresh.push(flag);
  }
  for (const key of Object.keys(old.flags)) if (!Object.hasOwn(raw.flags, key)) changed.add(key);
  if (changed.size > 0) {
    for (const flag of flags.values()) {
      for (const k of flag.prerequisiteKeys) if (changed.has(k)) return undefined;
    }
  }

  for (const flag of fresh) finishFlag(flag, flags, before.segments, NO_CYCLES, counters);
  return new PreparedSnapshot(raw.environment, raw.version, flags, before.segments, counters);
}

/**
 * `previous` with the flags in `changes` replaced (a definition) or removed (null) and everything
 * else reused, for a patch that changes flags and no segment: the cost is the flags it changes, not
 * the snapshot (prepareSnapshotFrom still compares every flag). Undefined where it could differ from
 * a full prepare: a changed flag has prerequisites (before or after), or another flag names one as
 * its prerequisite (cycles and resolved references could change), or counted and uncounted mixed.
 */
export function preparePatched(
  previous: PreparedSnapshot,
  version: number,
  changes: ReadonlyMap<string, unknown>,
  counters: EvaluationCounters | null,
): PreparedSnapshot | undefined {
  if ((counters === null) !== (previous.counters === null)) return undefined;
  const targets = previous.prerequisiteTargets();
  const flags = new Map(previous.flags);
  const fresh: PreparedFlag[] = [];
  for (const [key, definition] of changes) {
    if (targets.has(key) || (previous.flags.get(key)?.prerequisiteKeys.length ?? 0) > 0) return undefined;
    if (definition === null) {
      flags.delete(key);
      continue;
    }
    const flag = readFlag(key, definition);
    if (flag.prerequisiteKeys.length > 0) return undefined;
    flags.set(key, flag);
    fresh.push(flag);
  }
  for (const flag of fresh) finishFlag(flag, flags, previous.segments, NO_CYCLES, counters);
  return new PreparedSnapshot(previous.environment, version, flags, previous.segments, counters, targets);
}
