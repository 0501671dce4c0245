import type { Db } from '../db/prisma.ts';

/** A release plan still moving the flag (running) or held by a person (paused); ended plans are history. */
type LivePlan = { id: string; status: 'running' | 'paused' };

export type EnvironmentActivity = { releasePlan: LivePlan | null; pendingSchedules: number };

const LIVE_PLAN_STATUSES = ['running', 'paused'];

/**
 * What is under way for these flags in one environment: the live release plan of each and how many
 * scheduled changes wait to fall due. Two queries whatever the number of flags, keyed by flag id.
 */
export async function activityIn(db: Db, environmentId: string, flagIds: readonly string[]): Promise<Map<string, EnvironmentActivity>> {
  const ids = [...flagIds];
  const [plans, schedules] = await Promise.all([
    db.releasePlan.findMany({
      where: { environmentId, flagId: { in: ids }, status: { in: LIVE_PLAN_STATUSES } },
      select: { id: true, flagId: true, status: true },
      orderBy: { startedAt: 'desc' },
    }),
    db.scheduledChange.groupBy({
      by: ['flagId'],
      where: { environmentId, flagId: { in: ids }, status: 'pending' },
      _count: { _all: true },
    }),
  ]);
  const activity = new Map<string, EnvironmentActivity>(ids.map((id) => [id, { releasePlan: null, pendingSchedules: 0 }]));
  for (const plan of plans) {
    const entry = activity.get(plan.flagId)!;
    entry.releasePlan ??= { id: plan.id, status: plan.status as LivePlan['status'] };
  }
  for (const group of schedules) activity.get(group.flagId)!.pendingSchedules = group._count._all;
  return activity;
}
