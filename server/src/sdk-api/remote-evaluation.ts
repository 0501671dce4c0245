import { createHash } from 'node:crypto';
import { allFlags, type EvaluationDetail, evaluate, type PreparedSnapshot, prepareSnapshot } from '@switchyard/sdk';
import type { CachedSnapshot } from '../snapshots/snapshot-cache.ts';
import type { EvaluateBody } from './schemas.ts';

const prepared = new WeakMap<CachedSnapshot, PreparedSnapshot>();

/** Each snapshot version is prepared for the engine once, and reused until a newer one replaces it. */
function preparedFor(snapshot: CachedSnapshot): PreparedSnapshot {
  let p = prepared.get(snapshot);
  if (!p) prepared.set(snapshot, (p = prepareSnapshot(snapshot.snapshot)));
  return p;
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

/**
 * Evaluates the client-visible flags (all of them, or the named ones) through the shared engine.
 * Only values, variation indices and reasons leave: never rules, targets, segments or salts.
 */
export function evaluateForClient(snapshot: CachedSnapshot, body: EvaluateBody): string {
  const engine = preparedFor(snapshot);
  let flags: Record<string, EvaluationDetail<unknown>>;
  if (body.flags) {
    const definitions = snapshot.snapshot.flags;
    const entries: [string, EvaluationDetail<unknown>][] = [];
    for (const key of new Set(body.flags)) {
      if (Object.hasOwn(definitions, key) && definitions[key]?.clientSideAvailable) {
        entries.push([key, evaluate<unknown>(engine, key, body.context, null)]);
      }
    }
    flags = Object.fromEntries(entries);
  } else {
    flags = allFlags(engine, body.context, { clientSideOnly: true });
  }
  // fromEntries, not assignment: a flag named "__proto__" must stay a plain key.
  const out = Object.fromEntries(
    Object.entries(flags).map(([key, d]) => [key, { value: d.value, variationIndex: d.variationIndex, reason: d.reason }]),
  );
  return JSON.stringify({ environment: snapshot.environment, version: snapshot.version, flags: out });
}
