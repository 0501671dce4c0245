/**
 * Evaluation counting, for an SDK client that reports metrics (`POST /sdk/metrics`).
 *
 * The counts live here, in the prepared snapshot (a small array per PreparedFlag: one slot per
 * variation, then one per error kind), and the engine's top-level evaluate/isEnabled increment them
 * right after the flag lookup they already do: counting a served variation is one array increment.
 * The slots are a packed array of small integers, not a Float64Array: paired in one process on
 * bench/eval's simple flag (16-17 ns through the client), a Float64Array slot added +11 to +13 %, an
 * Int32Array the same, a packed array +8 to +9.6 % (bench/README.md, "Production signal"). Counting
 * in the client instead needs a lookup of its own per evaluation: a Map keyed by flag key added
 * +43-49 %. A slot past 2^30 per report interval turns the array into doubles: slower, still exact.
 * Prerequisites evaluated on the way are not counted, nor is the evaluation that attributes a
 * track() call (servedVariation).
 *
 * A snapshot prepared by prepareSnapshot (the public entry, and the server's remote evaluation in
 * server/src/sdk-api/remote-evaluation.ts) has no counters: its flags' `counts` are null, so nothing
 * accumulates there and evaluation pays one null check. Only prepareCountedSnapshot (the SDK client,
 * when it sends metrics) turns counting on; the client harvests (reads and resets) the counts when it
 * builds a report and before it replaces the snapshot.
 */
import type { ErrorKind } from '../model/index.ts';
import type { PreparedFlag, PreparedSnapshot } from './prepared.ts';

/** The error kinds a flag that exists can fail with, in the order of their slots after the variations. */
const FLAG_ERRORS: readonly ErrorKind[] = ['USER_NOT_SPECIFIED', 'MALFORMED_FLAG', 'WRONG_TYPE', 'EXCEPTION'];

/** Gives a flag of a counted snapshot its slots. */
export function allocateCounts(flag: PreparedFlag): void {
  // Pushed one by one so V8 keeps it packed (new Array(n) would be holey: a hole check per increment).
  const counts: number[] = [];
  for (let i = flag.variationCount + FLAG_ERRORS.length; i > 0; i--) counts.push(0);
  flag.counts = counts;
}

/** Counts an evaluation of `flagKey` that failed with `kind`. Off the hot path: errors are rare. */
export function countError(snap: PreparedSnapshot, flagKey: string, kind: ErrorKind): void {
  const counters = snap.counters;
  if (counters === null) return;
  const flag = kind === 'FLAG_NOT_FOUND' ? undefined : snap.flags.get(flagKey);
  const slot = FLAG_ERRORS.indexOf(kind);
  if (flag?.counts && slot >= 0) {
    flag.counts[flag.variationCount + slot]!++;
    return;
  }
  const known = counters.unknownKeys.get(flagKey);
  if (kind !== 'FLAG_NOT_FOUND') counters.uncounted++;
  else if (known !== undefined) counters.unknownKeys.set(flagKey, known + 1);
  else if (counters.unknownKeys.size < counters.maxUnknownKeys) counters.unknownKeys.set(flagKey, 1);
  else counters.uncounted++;
}

/**
 * An evaluation counted as serving `variation` turned out to be an error for its caller (the client's
 * WRONG_TYPE check on the value's JSON type): moves it to the error's slot.
 */
export function recountAsError(snap: PreparedSnapshot, flagKey: string, variation: number, kind: ErrorKind): void {
  const counts = snap.flags.get(flagKey)?.counts;
  if (!counts || !(counts[variation]! > 0)) return;
  counts[variation]!--;
  countError(snap, flagKey, kind);
}

/** What a harvest visits: a flag key, a variation index or error kind, and how many evaluations. */
export type CountVisitor = (flagKey: string, outcome: number | ErrorKind, count: number) => void;

/**
 * Reads and resets the snapshot's counts: `visit` is called once per (flag, variation or error) counted
 * since the last harvest. Returns how many evaluations could not be counted per flag since then.
 */
export function harvestCounts(snap: PreparedSnapshot, visit: CountVisitor): number {
  const counters = snap.counters;
  if (counters === null) return 0;
  for (const flag of snap.flags.values()) {
    const counts = flag.counts;
    if (counts === null) continue;
    for (let i = 0; i < counts.length; i++) {
      const n = counts[i]!;
      if (n === 0) continue;
      counts[i] = 0;
      visit(flag.key, i < flag.variationCount ? i : FLAG_ERRORS[i - flag.variationCount]!, n);
    }
  }
  for (const [key, n] of counters.unknownKeys) visit(key, 'FLAG_NOT_FOUND', n);
  counters.unknownKeys.clear();
  const uncounted = counters.uncounted;
  counters.uncounted = 0;
  return uncounted;
}
