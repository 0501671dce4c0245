/** Preparing one segment: its included and excluded keys as sets, and its rules' clauses. */
import type { PreparedSegment } from '../prepared.ts';
import { prepareClauses } from './clause.ts';
import { fail, isRecord, optionalArrayField } from './read.ts';

function stringSet(raw: Record<string, unknown>, field: string): Set<string> {
  const set = new Set<string>();
  for (const v of optionalArrayField(raw, field)) {
    if (typeof v !== 'string') fail(`${field} must list context keys (strings)`);
    set.add(v);
  }
  return set;
}

/** Fills `segment` from the raw definition stored under `key`; throws Malformed at the first invalid piece. */
export function prepareSegment(key: string, raw: unknown, segment: PreparedSegment): void {
  segment.key = key;
  if (!isRecord(raw)) fail('a segment must be an object');
  if (raw.key !== key) fail(`segment stored under ${JSON.stringify(key)} has key ${JSON.stringify(raw.key)}`);
  segment.included = stringSet(raw, 'included');
  segment.excluded = stringSet(raw, 'excluded');
  for (const r of optionalArrayField(raw, 'rules')) {
    if (!isRecord(r)) fail('a segment rule must be an object');
    segment.rules.push(prepareClauses(r.clauses, segment.segmentRefs));
  }
}
