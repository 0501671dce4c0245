import { InvalidInputError } from '../errors/index.ts';

export const GRANULARITIES = ['minute', 'hour'] as const;
export type Granularity = (typeof GRANULARITIES)[number];

const GRANULARITY_MS: Record<Granularity, number> = { minute: 60_000, hour: 3_600_000 };
const HOUR_MS = GRANULARITY_MS.hour;

/** Buckets in one series at most: a day of minutes (1,440) fits, as do 62 days of hours. */
export const MAX_BUCKETS = 1500;
/** When no range is given: the last 24 hours. */
const DEFAULT_RANGE_MS = 24 * HOUR_MS;
/** When no granularity is given: minutes for a range up to this long, hours beyond. */
const MINUTE_SERIES_UP_TO_MS = 6 * HOUR_MS;

export type TimeRange = { from: Date; to: Date };

/** A series' buckets: `starts[i]` (epoch ms) covers [starts[i], starts[i] + the granularity). */
export type BucketPlan = TimeRange & { granularity: Granularity; starts: number[]; start: Date; end: Date };

export const floorTo = (ms: number, granularity: Granularity) => Math.floor(ms / GRANULARITY_MS[granularity]) * GRANULARITY_MS[granularity];

/** `to` defaults to now and `from` to 24 hours before `to`; `from` after `to` is refused, naming query.from. */
export function resolveRange(query: { from?: Date | undefined; to?: Date | undefined }, now: Date): TimeRange {
  const to = query.to ?? now;
  const from = query.from ?? new Date(to.getTime() - DEFAULT_RANGE_MS);
  if (from > to) {
    const bound = query.to ? 'query.to' : 'now (query.to when not given)';
    throw new InvalidInputError([{ path: 'query.from', message: `must not be after ${bound}` }]);
  }
  return { from, to };
}

/**
 * The buckets of `granularity` covering [from, to), the range widened to whole buckets (the first
 * starts at or before `from`). Without a granularity: minutes for up to 6 hours, hours beyond. More
 * than MAX_BUCKETS buckets is refused, naming query.from.
 */
export function planBuckets(range: TimeRange, granularity: Granularity | undefined): BucketPlan {
  const span = range.to.getTime() - range.from.getTime();
  const chosen = granularity ?? (span <= MINUTE_SERIES_UP_TO_MS ? 'minute' : 'hour');
  const step = GRANULARITY_MS[chosen];
  const first = floorTo(range.from.getTime(), chosen);
  const count = Math.ceil((range.to.getTime() - first) / step);
  if (count > MAX_BUCKETS) {
    const hint = chosen === 'minute' ? ', or ask for granularity=hour' : '';
    throw new InvalidInputError([
      {
        path: 'query.from',
        message: `the range holds ${count} ${chosen} buckets, more than ${MAX_BUCKETS}: move it closer to query.to${hint}`,
      },
    ]);
  }
  const starts = Array.from({ length: count }, (_, i) => first + i * step);
  return { ...range, granularity: chosen, starts, start: new Date(first), end: new Date(first + count * step) };
}

/** Index of the bucket holding `at` in the plan's buckets (at is inside the plan's [start, end)). */
export const bucketIndex = (plan: BucketPlan, at: Date) =>
  Math.floor((at.getTime() - plan.start.getTime()) / GRANULARITY_MS[plan.granularity]);
