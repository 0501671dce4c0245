import { useState } from 'react';
import { describeError } from '../../api/client.ts';
import { Dialog } from '../../components/dialog.tsx';
import { DialogFooter } from '../../components/dialog-footer.tsx';
import { Link } from '../../router/router.tsx';
import { planAction, planName, type ReleasePlan } from './api.ts';

/** The release plan running on the flag here, with Pause and Roll back (which asks first). */
export function PlanStatus({ plan, onChanged }: { plan: ReleasePlan; onChanged: (message: string) => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [confirmRollback, setConfirmRollback] = useState(false);
  const stage = plan.stages[plan.stageIndex];

  const act = async (action: 'pause' | 'rollback') => {
    setBusy(true);
    setError(null);
    try {
      await planAction(plan.id, action);
      setConfirmRollback(false);
      onChanged(action === 'pause' ? `Paused release plan ${planName(plan)}.` : `Rolled back release plan ${planName(plan)}.`);
    } catch (caught) {
      setError(describeError(caught));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="plan-status" aria-labelledby="plan-title">
      <h2 id="plan-title">Release plan running</h2>
      <p>
        Plan {planName(plan)}: stage {plan.stageIndex + 1} of {plan.stages.length}
        {stage ? ` (${stage.name ? `${stage.name}, ` : ''}${stage.percentage} % get variation ${plan.variation})` : ''}. Hand edits of the
        targeting wait until it is paused or over. <Link to={`/releases/${plan.id}`}>Stages and guard of the plan</Link>
      </p>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <div className="dialog-actions start">
        <button type="button" className="button secondary" disabled={busy} onClick={() => act('pause')}>
          Pause plan
        </button>
        <button type="button" className="button danger" disabled={busy} onClick={() => setConfirmRollback(true)}>
          Roll back plan
        </button>
      </div>
      {confirmRollback && (
        <Dialog title="Roll back the release plan?" onClose={() => setConfirmRollback(false)}>
          <p>This writes back the configuration from before plan {planName(plan)} and ends it.</p>
          <DialogFooter
            error={error}
            disabled={busy}
            onCancel={() => setConfirmRollback(false)}
            submitLabel="Roll back"
            tone="danger"
            onSubmit={() => act('rollback')}
          />
        </Dialog>
      )}
    </section>
  );
}
