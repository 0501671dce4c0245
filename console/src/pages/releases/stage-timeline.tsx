import { type ReleasePlan, stageName } from './releases-api.ts';

type StageState = 'done' | 'current' | 'next' | 'later' | 'ended';

function stateOf(plan: ReleasePlan, index: number): StageState {
  if (plan.status === 'completed' || index < plan.stageIndex) return 'done';
  if (index === plan.stageIndex) return plan.status === 'running' || plan.status === 'paused' ? 'current' : 'ended';
  return index === plan.stageIndex + 1 ? 'next' : 'later';
}

const STATE_TEXT: Record<StageState, string> = { done: 'Done', current: 'Now', next: 'Next', later: 'Later', ended: 'Ended here' };

const minutes = (value: number) => (value < 1 ? `${Math.round(value * 60)} s` : `${Number(value.toFixed(value < 10 ? 1 : 0))} min`);

/** The plan's stages in order: done, the current one (time held of its hold, why it waits), next and later. */
export function StageTimeline({ plan, now }: { plan: ReleasePlan; now: number }) {
  return (
    <ol className="stage-timeline" aria-label="Stages">
      {plan.stages.map((stage, i) => {
        const state = stateOf(plan, i);
        const held = (now - Date.parse(plan.stageStartedAt)) / 60_000;
        return (
          // biome-ignore lint/suspicious/noArrayIndexKey: a plan's stages never change order
          <li key={i} className={`stage stage-${state}`} aria-current={state === 'current' ? 'step' : undefined}>
            <span className="stage-state">{STATE_TEXT[state]}</span>
            <span className="stage-name">{stageName(stage, i)}</span>
            <span className="stage-detail">
              {stage.percentage} % of contexts
              {stage.segments.length > 0 ? ` and segments ${stage.segments.join(', ')}` : ''}; held {minutes(stage.holdMinutes)}
              {stage.requireApproval ? '; needs an approval' : ''}
              {plan.guard && stage.guarded ? '; guarded' : ''}
            </span>
            {state === 'current' && (
              <span className="stage-progress">
                Held {minutes(Math.max(0, held))} of {minutes(stage.holdMinutes)}
                {plan.status === 'running' && plan.nextCheckAt && (
                  <>
                    ; next look <time dateTime={plan.nextCheckAt}>{new Date(plan.nextCheckAt).toLocaleTimeString()}</time>
                  </>
                )}
              </span>
            )}
            {(state === 'current' || state === 'ended') && plan.waitingFor && <span className="stage-waiting">{plan.waitingFor}</span>}
          </li>
        );
      })}
    </ol>
  );
}
