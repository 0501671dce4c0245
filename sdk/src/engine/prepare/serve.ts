/** Preparing what a rule or the fallthrough serves: a fixed variation's result, or a rollout's thresholds and results. */
import type { Reason } from '../../model/index.ts';
import { type Detail, PreparedRollout, PreparedServe } from '../prepared.ts';
import { createHashPrefix, type HashPrefix } from '../sha1.ts';
import { type FlagBuild, makeDetail } from './flag-build.ts';
import { arrayField, fail, isRecord, isVariationIndex } from './read.ts';

/** `what` names the rule or the fallthrough in the malformed reason. */
export function prepareServe(b: FlagBuild, raw: unknown, reason: Reason, what: string): PreparedServe {
  if (!isRecord(raw)) fail(`${what} must be an object`);
  const count = b.variations.length;
  const hasVariation = raw.variation !== undefined;
  const hasRollout = raw.rollout !== undefined;
  if (hasVariation === hasRollout) fail(`${what} needs exactly one of variation and rollout`);
  if (hasVariation) {
    if (!isVariationIndex(raw.variation, count)) fail(`${what}: variation ${String(raw.variation)} out of range`);
    return new PreparedServe(makeDetail(b, raw.variation, reason), null);
  }
  const rollout = raw.rollout;
  if (!isRecord(rollout)) fail(`${what}: rollout must be an object`);
  const entries = arrayField(rollout, 'variations');
  if (entries.length === 0) fail(`${what}: empty rollout`);
  const thresholds: number[] = [];
  const details: (Detail | null)[] = [];
  let sum = 0;
  for (const e of entries) {
    if (!isRecord(e)) fail(`${what}: a rollout entry must be an object`);
    if (!isVariationIndex(e.variation, count)) fail(`${what}: rollout variation ${String(e.variation)} out of range`);
    const w = e.weight;
    if (typeof w !== 'number' || !Number.isFinite(w) || w < 0) fail(`${what}: invalid rollout weight ${String(w)}`);
    sum += w / 100000;
    thresholds.push(sum);
    details.push(makeDetail(b, e.variation, reason));
  }
  const bucketBy = rollout.bucketBy;
  if (bucketBy !== undefined && typeof bucketBy !== 'string') fail(`${what}: bucketBy must be a string`);
  const seed = rollout.seed;
  let prefix: HashPrefix;
  if (seed !== undefined && seed !== null) {
    if (typeof seed !== 'number' || !Number.isFinite(seed)) fail(`${what}: seed must be a number`);
    prefix = createHashPrefix(`${seed}.`);
  } else {
    prefix = b.flagPrefix ??= createHashPrefix(`${b.flag.key}.${b.salt}.`);
  }
  const by = bucketBy ?? 'key';
  return new PreparedServe(null, new PreparedRollout(prefix, by, by === 'key', thresholds, details));
}
