/**
 * Which flags may evaluate differently after a snapshot replaced another: flags added, removed or at a
 * new `version`, plus flags that use (directly or through nested segments and prerequisites) a segment
 * or a flag that changed. Equal versions mean equal definitions, so a resync that brings back the same
 * state yields no keys.
 */
import type { Clause, FlagDefinition, SegmentDefinition, Snapshot } from '../model/index.ts';

function changedKeys(before: Record<string, { version: number }>, after: Record<string, { version: number }>): Set<string> {
  const changed = new Set<string>();
  for (const [key, item] of Object.entries(after)) {
    if (before[key]?.version !== item.version) changed.add(key);
  }
  for (const key of Object.keys(before)) {
    if (!Object.hasOwn(after, key)) changed.add(key);
  }
  return changed;
}

function segmentsIn(clauses: readonly Clause[] | undefined, into: Set<string>): void {
  if (!Array.isArray(clauses)) return;
  for (const clause of clauses) {
    if (clause?.op !== 'segmentMatch' || !Array.isArray(clause.values)) continue;
    for (const v of clause.values) if (typeof v === 'string') into.add(v);
  }
}

function segmentsOfFlag(flag: FlagDefinition): Set<string> {
  const keys = new Set<string>();
  if (Array.isArray(flag.rules)) for (const rule of flag.rules) segmentsIn(rule?.clauses, keys);
  return keys;
}

function segmentsOfSegment(segment: SegmentDefinition): Set<string> {
  const keys = new Set<string>();
  if (Array.isArray(segment.rules)) for (const rule of segment.rules) segmentsIn(rule?.clauses, keys);
  return keys;
}

function prerequisitesOf(flag: FlagDefinition): string[] {
  return Array.isArray(flag.prerequisites) ? flag.prerequisites.map((p) => p?.key).filter((k) => typeof k === 'string') : [];
}

/** Adds to `seeds` every item whose references reach one already in it (a fixed point, so cycles end). */
function closeOver(seeds: Set<string>, items: Iterable<[string, Iterable<string>]>): void {
  const list = [...items];
  let grew = true;
  while (grew) {
    grew = false;
    for (const [key, refs] of list) {
      if (seeds.has(key)) continue;
      for (const ref of refs) {
        if (seeds.has(ref)) {
          seeds.add(key);
          grew = true;
          break;
        }
      }
    }
  }
}

export function changedFlagKeys(before: Snapshot, after: Snapshot): string[] {
  const segments = changedKeys(before.segments, after.segments);
  const flags = changedKeys(before.flags, after.flags);
  if (segments.size > 0) {
    closeOver(
      segments,
      Object.entries(after.segments).map(([k, s]) => [k, segmentsOfSegment(s)]),
    );
    for (const [key, flag] of Object.entries(after.flags)) {
      for (const s of segmentsOfFlag(flag)) {
        if (segments.has(s)) {
          flags.add(key);
          break;
        }
      }
    }
  }
  if (flags.size > 0)
    closeOver(
      flags,
      Object.entries(after.flags).map(([k, f]) => [k, prerequisitesOf(f)]),
    );
  return [...flags].sort();
}
