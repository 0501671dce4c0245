import type { PrismaClient } from '../db/prisma.ts';
import type { EnvironmentRow } from '../environments/repository.ts';
import { requireEnvironment } from '../environments/service.ts';
import { NotFoundError } from '../errors/index.ts';
import { floorTo, planBuckets, resolveRange } from './buckets.ts';
import {
  convertedContexts,
  environmentsInOrder,
  evaluationBuckets,
  evaluationCountsSince,
  evaluationTotalsByFlag,
  eventBuckets,
  eventKeysWithData,
  exposedContexts,
  findInsightFlag,
  type GuardedHistoryRows,
  guardedHistoryRows,
  guardedMetricSums,
  guardedMetricsOf,
  type InsightFlagRow,
  listInsightFlags,
  type SdkInstanceRow,
  sdkInstances,
  sdkVersions,
  servedByFlag,
  variationsByKey,
  wasEverEvaluated,
} from './repository.ts';
import type {
  EnvironmentFlagsQuery,
  EnvironmentFlagsView,
  EventsQuery,
  EventsView,
  EventView,
  FlagEvaluationsView,
  FlagStatusView,
  GuardedStatisticsView,
  SdkInstancesView,
  SdksQuery,
  SeriesQuery,
  StaleFlagsView,
} from './schemas.ts';
import { evaluationSeries, evaluationTotals, eventSeries, variationValue, variationValues } from './series.ts';
import { staleReport } from './stale-report.ts';
import { describeValues, NO_VALUES } from './statistics.ts';
import { DAY_MS, flagStatus, type StatusEvidence, type StatusFlag } from './statuses.ts';

export type InsightsOptions = {
  /** N of the flag statuses (SWITCHYARD_STALE_AFTER_DAYS): launched after N days of one variation, inactive after N idle days. */
  staleAfterDays?: number;
  /** What "now" is: the default ranges end there and statuses are computed at it. */
  clock?: () => Date;
};

/** SWITCHYARD_STALE_AFTER_DAYS's default. */
const DEFAULT_STALE_AFTER_DAYS = 7;

const maxDate = (dates: Date[]) => (dates.length === 0 ? null : new Date(Math.max(...dates.map((d) => d.getTime()))));

const toSdkInstanceView = (row: SdkInstanceRow): SdkInstancesView['items'][number] => ({
  instanceId: row.instanceId,
  name: row.sdkName,
  version: row.sdkVersion,
  mode: row.mode,
  snapshotVersion: row.snapshotVersion,
  firstSeenAt: row.firstSeenAt.toISOString(),
  lastSeenAt: row.lastSeenAt.toISOString(),
  dropped: {
    evaluations: Number(row.droppedEvaluations),
    events: Number(row.droppedEvents),
    contexts: Number(row.droppedContexts),
    reports: Number(row.droppedReports),
  },
});

/**
 * What the SDKs reported, read back: evaluations per flag, custom events, SDK instances, guarded
 * release statistics, flag statuses and the stale-flag report. Reads only; the metrics domain writes.
 * Counts are kept by flag key, so keys of deleted flags (or of no flag) can be read like any other.
 */
export class InsightsService {
  private readonly staleAfterDays: number;
  private readonly clock: () => Date;

  constructor(private readonly deps: { prisma: PrismaClient } & InsightsOptions) {
    this.staleAfterDays = deps.staleAfterDays ?? DEFAULT_STALE_AFTER_DAYS;
    this.clock = deps.clock ?? (() => new Date());
  }

  /** Each flag's status in the environment, by key. */
  async statusesIn(environmentId: string, flags: readonly ({ key: string } & StatusFlag)[]): Promise<Map<string, StatusEvidence>> {
    const served = await servedByFlag(
      this.deps.prisma,
      environmentId,
      flags.map((f) => f.key),
    );
    const now = this.clock();
    return new Map(flags.map((flag) => [flag.key, flagStatus(flag, served.get(flag.key) ?? [], now, this.staleAfterDays)]));
  }

  /**
   * The flag's evaluations in the environment per bucket, with totals, status and the SDKs seen.
   * NotFoundError when no flag has the key and nothing was ever counted for it there.
   */
  async flagEvaluations(flagKey: string, environmentKey: string, query: SeriesQuery): Promise<FlagEvaluationsView> {
    const { prisma } = this.deps;
    const now = this.clock();
    const plan = planBuckets(resolveRange(query, now), query.granularity);
    const env = await requireEnvironment(prisma, environmentKey);
    const flag = await this.requireCountedFlag(env, flagKey);
    const [rows, served, sdks] = await Promise.all([
      evaluationBuckets(prisma, { environmentId: env.id, flagKey, granularity: plan.granularity, start: plan.start, end: plan.end }),
      servedByFlag(prisma, env.id, [flagKey]),
      sdkVersions(prisma, env.id, plan.from),
    ]);
    const values = variationValues(flag?.variations);
    const evidence = flagStatus(flag, served.get(flagKey) ?? [], now, this.staleAfterDays);
    return {
      flagKey,
      environmentKey: env.key,
      exists: flag !== null,
      from: plan.from.toISOString(),
      to: plan.to.toISOString(),
      granularity: plan.granularity,
      ...evaluationSeries(plan, values, rows),
      lastEvaluatedAt: evidence.lastEvaluatedAt?.toISOString() ?? null,
      status: this.statusView(evidence, flag),
      sdks: sdks.map((s) => ({ ...s, lastSeenAt: s.lastSeenAt.toISOString() })),
    };
  }

  /** The flag keys counted in the environment in the range, flags or not, by key, with their totals. */
  async environmentFlags(environmentKey: string, query: EnvironmentFlagsQuery): Promise<EnvironmentFlagsView> {
    const { prisma } = this.deps;
    const range = resolveRange(query, this.clock());
    const env = await requireEnvironment(prisma, environmentKey);
    const totals = await evaluationTotalsByFlag(prisma, env.id, range);
    const keys = [...totals.keys()];
    const pageKeys = keys.slice(query.offset, query.offset + query.limit);
    const [variations, served] = await Promise.all([variationsByKey(prisma, pageKeys), servedByFlag(prisma, env.id, pageKeys)]);
    const items = pageKeys.map((flagKey) => ({
      flagKey,
      exists: variations.has(flagKey),
      ...evaluationTotals(variationValues(variations.get(flagKey)), totals.get(flagKey)!),
      lastEvaluatedAt: maxDate((served.get(flagKey) ?? []).map((row) => row.lastAt))?.toISOString() ?? null,
    }));
    return {
      items,
      total: keys.length,
      limit: query.limit,
      offset: query.offset,
      from: range.from.toISOString(),
      to: range.to.toISOString(),
    };
  }

  /** Custom event series of the event keys with data in the range, a page of keys at a time. */
  async events(environmentKey: string, query: EventsQuery): Promise<EventsView> {
    const { prisma } = this.deps;
    const plan = planBuckets(resolveRange(query, this.clock()), query.granularity);
    const env = await requireEnvironment(prisma, environmentKey);
    const bounds = { environmentId: env.id, granularity: plan.granularity, start: plan.start, end: plan.end };
    const keys = await eventKeysWithData(prisma, bounds);
    const pageKeys = keys.slice(query.offset, query.offset + query.limit);
    const rows = await eventBuckets(prisma, { ...bounds, eventKeys: pageKeys });
    const items = pageKeys.map((key) => ({
      key,
      ...eventSeries(
        plan,
        rows.filter((row) => row.eventKey === key),
      ),
    }));
    return {
      environmentKey: env.key,
      from: plan.from.toISOString(),
      to: plan.to.toISOString(),
      granularity: plan.granularity,
      items,
      total: keys.length,
      limit: query.limit,
      offset: query.offset,
    };
  }

  /** One custom event key's series (zeros for a key never tracked: event keys are not declared anywhere). */
  async event(environmentKey: string, eventKey: string, query: SeriesQuery): Promise<EventView> {
    const { prisma } = this.deps;
    const plan = planBuckets(resolveRange(query, this.clock()), query.granularity);
    const env = await requireEnvironment(prisma, environmentKey);
    const rows = await eventBuckets(prisma, {
      environmentId: env.id,
      eventKeys: [eventKey],
      granularity: plan.granularity,
      start: plan.start,
      end: plan.end,
    });
    return {
      environmentKey: env.key,
      from: plan.from.toISOString(),
      to: plan.to.toISOString(),
      granularity: plan.granularity,
      key: eventKey,
      ...eventSeries(plan, rows),
    };
  }

  /** SDK instances that reported in the environment, most recently seen first, with a summary per SDK name and version. */
  async sdks(environmentKey: string, query: SdksQuery): Promise<SdkInstancesView> {
    const { prisma } = this.deps;
    const env = await requireEnvironment(prisma, environmentKey);
    const since = query.since ?? null;
    const [{ total, rows }, summary] = await Promise.all([
      sdkInstances(prisma, { environmentId: env.id, since, limit: query.limit, offset: query.offset }),
      sdkVersions(prisma, env.id, since),
    ]);
    return {
      items: rows.map(toSdkInstanceView),
      total,
      limit: query.limit,
      offset: query.offset,
      summary: summary.map((s) => ({ ...s, lastSeenAt: s.lastSeenAt.toISOString() })),
    };
  }

  /**
   * Per variation of a flag under a guarded release: distinct contexts exposed, and per metric (the
   * configured ones and any other with data) distinct exposed contexts with an event, the conversion
   * rate, and the sums, mean and sample variance of the values. `since` is floored to its minute
   * (metric sums are per minute). What automatic rollback reads.
   */
  async guardedStatistics(flagKey: string, environmentKey: string, since?: Date): Promise<GuardedStatisticsView> {
    const { prisma } = this.deps;
    const env = await requireEnvironment(prisma, environmentKey);
    const flag = await this.requireCountedFlag(env, flagKey);
    const from = since ? new Date(floorTo(since.getTime(), 'minute')) : null;
    const query = { environmentId: env.id, flagKey, since: from };
    const [configured, exposed, converted, sums] = await Promise.all([
      guardedMetricsOf(prisma, flagKey, env.id),
      exposedContexts(prisma, query),
      convertedContexts(prisma, query),
      guardedMetricSums(prisma, query),
    ]);
    const values = variationValues(flag?.variations);
    const variations = [
      ...new Set([...values.map((_, i) => i), ...exposed.keys(), ...converted.map((c) => c.variation), ...sums.map((s) => s.variation)]),
    ].sort((a, b) => a - b);
    const metricKeys = [...new Set([...configured, ...[...converted, ...sums].map((row) => row.metricKey).sort()])];
    return {
      flagKey,
      environmentKey: env.key,
      since: from?.toISOString() ?? null,
      guardedMetrics: configured,
      variations: variations.map((variation) => {
        const exposedContexts = exposed.get(variation) ?? 0;
        return {
          variation,
          ...variationValue(values, variation),
          exposedContexts,
          metrics: metricKeys.map((key) => {
            const contextsWithEvent = converted.find((c) => c.variation === variation && c.metricKey === key)?.contexts ?? 0;
            const metricSums = sums.find((s) => s.variation === variation && s.metricKey === key) ?? NO_VALUES;
            return {
              key,
              contextsWithEvent,
              conversionRate: exposedContexts === 0 ? null : contextsWithEvent / exposedContexts,
              ...describeValues({
                count: metricSums.count,
                valueCount: metricSums.valueCount,
                sum: metricSums.sum,
                sumSquares: metricSums.sumSquares,
              }),
            };
          }),
        };
      }),
    };
  }

  /**
   * The rows guardedStatistics sums, per step of `stepMs` from `origin` (from `since` floored to its
   * minute, as guardedStatistics, up to `until`): summed over steps 0..k they give the statistics as
   * they stood at the end of step k. What a release plan's guard history reads.
   */
  async guardedStatisticsSteps(
    flagKey: string,
    environmentKey: string,
    q: { since: Date; origin: Date; until: Date; stepMs: number },
  ): Promise<GuardedHistoryRows> {
    const env = await requireEnvironment(this.deps.prisma, environmentKey);
    const since = new Date(floorTo(q.since.getTime(), 'minute'));
    return guardedHistoryRows(this.deps.prisma, {
      environmentId: env.id,
      flagKey,
      since,
      origin: q.origin,
      until: q.until,
      stepMs: q.stepMs,
    });
  }

  /**
   * Temporary flags ready for removal (in every environment launched with the same variation,
   * inactive or never evaluated) and archived flags still evaluated, each with its evidence per
   * environment and the reason in words. `environmentKey` restricts the report to one environment.
   */
  async staleFlags(environmentKey?: string): Promise<StaleFlagsView> {
    const { prisma } = this.deps;
    const now = this.clock();
    const { staleAfterDays } = this;
    const environments = environmentKey ? [await requireEnvironment(prisma, environmentKey)] : await environmentsInOrder(prisma);
    const flags = await listInsightFlags(prisma);
    const windowStart = new Date(now.getTime() - staleAfterDays * DAY_MS);
    const [recent, ...served] = await Promise.all([
      evaluationCountsSince(
        prisma,
        environments.map((e) => e.id),
        windowStart,
      ),
      ...environments.map((env) => servedByFlag(prisma, env.id)),
    ]);
    const entries = flags
      .filter((flag) => flag.temporary || flag.archived)
      .map((flag) => ({
        flag,
        environments: environments.map((env, i) => ({
          environmentKey: env.key,
          evidence: flagStatus(flag, served[i]!.get(flag.key) ?? [], now, staleAfterDays),
          recentEvaluations: recent.get(`${env.id}\u0000${flag.key}`) ?? 0,
        })),
      }));
    return staleReport(entries, now, staleAfterDays);
  }

  private statusView(evidence: StatusEvidence, flag: InsightFlagRow | null): FlagStatusView {
    const values = variationValues(flag?.variations);
    return {
      status: evidence.status,
      firstEvaluatedAt: evidence.firstEvaluatedAt?.toISOString() ?? null,
      lastEvaluatedAt: evidence.lastEvaluatedAt?.toISOString() ?? null,
      ...(evidence.launched
        ? {
            launched: {
              variation: evidence.launched.variation,
              ...variationValue(values, evidence.launched.variation),
              since: evidence.launched.since.toISOString(),
            },
          }
        : {}),
      ...(flag?.archived && flag.archivedAt ? { archivedAt: flag.archivedAt.toISOString() } : {}),
    };
  }

  /** The flag (null for a key of no flag that was counted in the environment), or NotFoundError. */
  private async requireCountedFlag(env: EnvironmentRow, flagKey: string): Promise<InsightFlagRow | null> {
    const flag = await findInsightFlag(this.deps.prisma, flagKey);
    if (flag || (await wasEverEvaluated(this.deps.prisma, env.id, flagKey))) return flag;
    throw new NotFoundError(`Flag "${flagKey}" (nothing was counted for this key in environment "${env.key}" either)`);
  }
}
