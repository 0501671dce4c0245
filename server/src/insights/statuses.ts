/**
 * A flag's status in one environment, from when it was first and last seen serving each variation or
 * failing with each error there (FlagServed) and whether it is archived. Pure: `now` is a parameter,
 * so statuses are computed (and tested) on any clock.
 */

export const FLAG_STATUSES = ['new', 'active', 'launched', 'inactive', 'archived-but-evaluated'] as const;
export type FlagStatus = (typeof FLAG_STATUSES)[number];

export const DAY_MS = 24 * 60 * 60 * 1000;

/** One FlagServed row: a variation (`errorKind` '') or an error (`variation` -1). */
export type ServedRow = { variation: number; errorKind: string; firstAt: Date; lastAt: Date };

export type StatusFlag = { archived: boolean; archivedAt: Date | null };

export type StatusEvidence = {
  status: FlagStatus;
  firstEvaluatedAt: Date | null;
  lastEvaluatedAt: Date | null;
  /** `launched` only: the one variation served in the last N days, and since when nothing else was served. */
  launched?: { variation: number; since: Date };
};

const earliest = (dates: Date[]) => new Date(Math.min(...dates.map((d) => d.getTime())));
const latest = (dates: Date[]) => new Date(Math.max(...dates.map((d) => d.getTime())));

/**
 * In this order:
 * - `archived-but-evaluated`: archived, and a variation or an error was counted after `archivedAt`;
 * - `new`: never evaluated here;
 * - `inactive`: last evaluated more than N days before `now`;
 * - `launched`: first evaluated at least N days before `now`, and in the last N days (`now - N days`
 *   included) exactly one variation was served and no error counted;
 * - `active`: otherwise.
 * An error counts as an evaluation: the code still calls the flag.
 */
export function flagStatus(flag: StatusFlag | null, served: readonly ServedRow[], now: Date, staleAfterDays: number): StatusEvidence {
  if (served.length === 0) return { status: 'new', firstEvaluatedAt: null, lastEvaluatedAt: null };
  const firstEvaluatedAt = earliest(served.map((row) => row.firstAt));
  const lastEvaluatedAt = latest(served.map((row) => row.lastAt));
  const evidence = { firstEvaluatedAt, lastEvaluatedAt };

  const archivedAt = flag?.archived ? flag.archivedAt : null;
  if (archivedAt && lastEvaluatedAt > archivedAt) return { status: 'archived-but-evaluated', ...evidence };

  const windowStart = now.getTime() - staleAfterDays * DAY_MS;
  if (lastEvaluatedAt.getTime() < windowStart) return { status: 'inactive', ...evidence };

  const recent = served.filter((row) => row.lastAt.getTime() >= windowStart);
  const only = recent.length === 1 ? recent[0]! : null;
  if (only && only.errorKind === '' && firstEvaluatedAt.getTime() <= windowStart) {
    const others = served.filter((row) => row !== only).map((row) => row.lastAt);
    const since = latest([only.firstAt, ...others]);
    return { status: 'launched', ...evidence, launched: { variation: only.variation, since } };
  }
  return { status: 'active', ...evidence };
}
