import { createHash } from 'node:crypto';
import { allFlags, type EvaluationDetail, evaluate, type PreparedSnapshot, prepareSnapshot } from '@switchyard/sdk';
import type { Context } from '@switchyard/sdk/model';
import type { CachedAnswer, ServedFlags } from '../snapshots/eval-cache.ts';
import type { CachedSnapshot } from '../snapshots/snapshot-cache.ts';
import type { EvaluateBody } from './schemas.ts';

const prepared = new WeakMap<CachedSnapshot, PreparedSnapshot>();
const guarded = new WeakMap<CachedSnapshot, ReadonlyMap<string, string>>();
const NONE_GUARDED: ReadonlyMap<string, string> = new Map();

/** Each snapshot version is prepared for the engine once, and reused until a newer one replaces it. */
function preparedFor(snapshot: CachedSnapshot): PreparedSnapshot {
  let p = prepared.get(snapshot);
  if (!p) prepared.set(snapshot, (p = prepareSnapshot(snapshot.snapshot)));
  return p;
}

/** The flags under a guarded release in this snapshot, with their salts (for contextHash); found once per snapshot. */
export function guardedFlagsOf(snapshot: CachedSnapshot): ReadonlyMap<string, string> {
  let flags = guarded.get(snapshot);
  if (!flags) {
    const found = Object.values(snapshot.snapshot.flags).filter((flag) => flag.guardedMetrics?.length);
    flags = found.length ? new Map(found.map((flag) => [flag.key, flag.salt])) : NONE_GUARDED;
    guarded.set(snapshot, flags);
  }
  return flags;
}

/** What an evaluation served, for the counts: its error kind, its variation index, or nothing (null). */
function outcomeOf(detail: Pick<EvaluationDetail<unknown>, 'variationIndex' | 'reason'>): number | string | null {
  return detail.reason.kind === 'ERROR' ? detail.reason.errorKind : detail.variationIndex;
}

/** What an answer from the shared cache served (such an answer is parsed once, then kept with it in this process). */
export function servedFlagsOf(json: string): ServedFlags {
  const answer = JSON.parse(json) as { flags: Record<string, Pick<EvaluationDetail<unknown>, 'variationIndex' | 'reason'>> };
  return servedFlags(Object.entries(answer.flags));
}

export function servedFlags(entries: [string, Pick<EvaluationDetail<unknown>, 'variationIndex' | 'reason'>][]): ServedFlags {
  const flags: string[] = [];
  const outcomes: (number | string)[] = [];
  for (const [key, detail] of entries) {
    const outcome = outcomeOf(detail);
    if (outcome === null) continue;
    flags.push(key);
    outcomes.push(outcome);
  }
  return { flags, outcomes };
}

/** JSON with object keys sorted at every level, so that equal requests hash equally. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** The cache key part for a request: SHA-256 of the canonical context and the requested flags (sorted, deduplicated). */
export function requestHash(body: EvaluateBody): string {
  const flags = body.flags ? [...new Set(body.flags)].sort() : null;
  return createHash('sha256')
    .update(canonicalJson({ context: body.context, flags }))
    .digest('hex');
}

/** Who asks: a client key sees only the flags marked client-side available, a server SDK key every flag. */
export type Audience = 'client' | 'server';

/** One flag evaluated through the snapshot's prepared engine (FLAG_NOT_FOUND when the snapshot has no such flag). */
export function evaluateFlag(snapshot: CachedSnapshot, key: string, context: Context): EvaluationDetail<unknown> {
  return evaluate<unknown>(preparedFor(snapshot), key, context, null);
}

/** Every flag the audience may see, evaluated through the snapshot's prepared engine. */
export function evaluateAll(snapshot: CachedSnapshot, context: Context, audience: Audience): [string, EvaluationDetail<unknown>][] {
  return Object.entries(allFlags(preparedFor(snapshot), context, { clientSideOnly: audience === 'client' }));
}

/**
 * Evaluates the client-visible flags (all of them, or the named ones) through the shared engine.
 * Only values, variation indices and reasons leave: never rules, targets, segments or salts.
 */
export function evaluateForClient(snapshot: CachedSnapshot, body: EvaluateBody): CachedAnswer {
  let entries: [string, EvaluationDetail<unknown>][];
  if (body.flags) {
    const definitions = snapshot.snapshot.flags;
    entries = [];
    for (const key of new Set(body.flags)) {
      if (Object.hasOwn(definitions, key) && definitions[key]?.clientSideAvailable) {
        entries.push([key, evaluateFlag(snapshot, key, body.context)]);
      }
    }
  } else {
    entries = evaluateAll(snapshot, body.context, 'client');
  }
  // fromEntries, not assignment: a flag named "__proto__" must stay a plain key.
  const out = Object.fromEntries(entries.map(([key, d]) => [key, { value: d.value, variationIndex: d.variationIndex, reason: d.reason }]));
  return {
    json: JSON.stringify({ environment: snapshot.environment, version: snapshot.version, flags: out }),
    served: servedFlags(entries),
  };
}
