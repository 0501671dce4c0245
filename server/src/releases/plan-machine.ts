import type { GuardVerdict } from './guard-verdict.ts';
import type { ReleaseStage } from './schemas.ts';

/** Where a running plan stands, as its next look sees it. */
export type PlanPosition = {
  stageIndex: number;
  stageCount: number;
  stage: ReleaseStage;
  stageStartedAt: Date;
  /** The stage index a person approved moving past (-1: none). */
  approvedStage: number;
  /** The plan has a guard and this stage is guarded. */
  guarded: boolean;
};

/** What a running plan does at a look. */
export type PlanDecision =
  | { kind: 'advance' }
  | { kind: 'complete' }
  | { kind: 'regression' }
  | { kind: 'wait'; nextCheckAt: Date | null; reason: string };

const stageName = (stage: ReleaseStage) => stage.name ?? `${stage.percentage} %`;
const holdEnd = (p: PlanPosition) => new Date(p.stageStartedAt.getTime() + p.stage.holdMinutes * 60_000);

/** When a stage just applied (or resumed) is looked at first: at its hold's end, and every guard interval before that when guarded. */
export function firstCheckAt(p: PlanPosition, now: Date, guardIntervalMs: number): Date {
  const end = holdEnd(p);
  if (!p.guarded) return end;
  return new Date(Math.min(end.getTime(), now.getTime() + guardIntervalMs));
}

/**
 * The rules of a running plan at a look (the server's, and the simulator's in bench/release):
 * a guarded stage whose guard sees a regression stops at once; otherwise the stage is held at least
 * its duration, then waits for a person's approval when it asks for one, then for the guard to have
 * enough data (a guard with no data never lets a plan advance), and only then moves on.
 */
export function decide(p: PlanPosition, now: Date, verdict: GuardVerdict | null, guardIntervalMs: number): PlanDecision {
  const guardLook = new Date(now.getTime() + guardIntervalMs);
  if (p.guarded && verdict?.outcome === 'regression') return { kind: 'regression' };
  const end = holdEnd(p);
  if (now < end) {
    return {
      kind: 'wait',
      nextCheckAt: p.guarded && guardLook < end ? guardLook : end,
      reason: `holding stage ${p.stageIndex + 1} ("${stageName(p.stage)}") until ${end.toISOString()}`,
    };
  }
  if (p.stage.requireApproval && p.approvedStage < p.stageIndex) {
    return {
      kind: 'wait',
      nextCheckAt: p.guarded ? guardLook : null,
      reason: `waiting for a person to approve moving past stage ${p.stageIndex + 1} ("${stageName(p.stage)}")`,
    };
  }
  if (p.guarded && verdict?.outcome !== 'healthy') {
    return { kind: 'wait', nextCheckAt: guardLook, reason: `the guard cannot decide yet: ${verdict?.reason ?? 'no verdict'}` };
  }
  return p.stageIndex + 1 >= p.stageCount ? { kind: 'complete' } : { kind: 'advance' };
}
