import { useState } from 'react';
import { describeError } from '../../api/client.ts';
import { Dialog } from '../../components/dialog.tsx';
import { DialogFooter } from '../../components/dialog-footer.tsx';
import { operatePlan, type PlanOperation, type ReleasePlan, stageName } from './releases-api.ts';

type Confirm = { operation: 'rollback' | 'advance'; title: string; text: string; button: string };

/** Pause, resume, advance, approve and roll back; rolling back (and advancing in production) asks first. */
export function PlanActions({
  plan,
  production,
  onChanged,
}: {
  plan: ReleasePlan;
  production: boolean;
  onChanged: (plan: ReleasePlan, message: string) => void;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [confirm, setConfirm] = useState<Confirm | null>(null);
  const stage = plan.stages[plan.stageIndex]!;
  const last = plan.stageIndex + 1 >= plan.stages.length;
  const active = plan.status === 'running' || plan.status === 'paused';
  if (!active) return null;

  const run = async (operation: PlanOperation, done: string) => {
    setBusy(true);
    setError(null);
    try {
      const changed = await operatePlan(plan, operation);
      setConfirm(null);
      onChanged(changed, done);
    } catch (caught) {
      setError(describeError(caught));
    } finally {
      setBusy(false);
    }
  };

  const advanceText = last ? 'Complete the plan now' : `Advance to stage ${plan.stageIndex + 2}`;
  const advance = () =>
    run('advance', last ? 'Completed the plan.' : `Advanced to ${stageName(plan.stages[plan.stageIndex + 1]!, plan.stageIndex + 1)}.`);

  return (
    <div className="plan-actions">
      {error && !confirm && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <div className="dialog-actions start">
        {plan.status === 'running' && (
          <button type="button" className="button secondary" disabled={busy} onClick={() => run('pause', 'Paused the plan.')}>
            Pause
          </button>
        )}
        {plan.status === 'paused' && (
          <button type="button" className="button primary" disabled={busy} onClick={() => run('resume', 'Resumed the plan.')}>
            Resume
          </button>
        )}
        {stage.requireApproval && plan.approvedStage < plan.stageIndex && (
          <button type="button" className="button primary" disabled={busy} onClick={() => run('approve', 'Approved moving on.')}>
            Approve the next stage
          </button>
        )}
        <button
          type="button"
          className="button secondary"
          disabled={busy}
          onClick={() =>
            production
              ? setConfirm({
                  operation: 'advance',
                  title: `${advanceText} in ${plan.environmentKey}?`,
                  text: `This applies ${last ? 'the end of the plan' : 'the next stage'} now, whatever the hold, approval or guard say.`,
                  button: last ? 'Complete' : 'Advance',
                })
              : advance()
          }
        >
          {advanceText}
        </button>
        <button
          type="button"
          className="button danger"
          disabled={busy}
          onClick={() =>
            setConfirm({
              operation: 'rollback',
              title: 'Roll back the release plan?',
              text: `This writes back the configuration of ${plan.flagKey} in ${plan.environmentKey} from before the plan and ends it.`,
              button: 'Roll back',
            })
          }
        >
          Roll back
        </button>
      </div>
      {confirm && (
        <Dialog title={confirm.title} onClose={() => setConfirm(null)}>
          <p>{confirm.text}</p>
          <DialogFooter
            error={error}
            disabled={busy}
            onCancel={() => setConfirm(null)}
            submitLabel={confirm.button}
            tone={confirm.operation === 'rollback' ? 'danger' : 'primary'}
            onSubmit={() => (confirm.operation === 'rollback' ? run('rollback', 'Rolled the plan back.') : advance())}
          />
        </Dialog>
      )}
    </div>
  );
}
