import { useCallback, useEffect, useState } from 'react';
import { describeError } from '../../api/client.ts';
import { Dialog } from '../../components/dialog.tsx';
import { DialogFooter } from '../../components/dialog-footer.tsx';
import type { ReleaseTemplate } from '../releases/releases-api.ts';
import { describeInstructions, ScheduleForm } from './schedule-form.tsx';
import { cancelSchedule, createSchedule, listSchedules, type ScheduledChange, updateSchedule } from './schedules-api.ts';

const STATUS_TEXT: Record<ScheduledChange['status'], string> = {
  pending: 'Pending',
  applied: 'Applied',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

/** The flag's scheduled changes in one environment, soonest first: schedule one, edit or cancel a pending one. */
export function ScheduleSection({
  flagKey,
  envKey,
  envName,
  variations,
  templates,
}: {
  flagKey: string;
  envKey: string;
  envName: string;
  variations: unknown[];
  templates: ReleaseTemplate[];
}) {
  const [changes, setChanges] = useState<ScheduledChange[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<ScheduledChange | null>(null);
  const [cancelling, setCancelling] = useState<ScheduledChange | null>(null);
  const [busy, setBusy] = useState(false);

  const read = useCallback(
    () =>
      listSchedules(flagKey, envKey).then(
        (items) => {
          setChanges(items);
          setError(null);
        },
        (caught: unknown) => setError(describeError(caught)),
      ),
    [flagKey, envKey],
  );
  useEffect(() => {
    read();
  }, [read]);

  const cancel = async (change: ScheduledChange) => {
    setBusy(true);
    try {
      await cancelSchedule(change);
      setCancelling(null);
      await read();
      setMessage(`Cancelled the change due ${new Date(change.at).toLocaleString()}.`);
    } catch (caught) {
      setError(describeError(caught));
      setCancelling(null);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="schedules-title">
      <div className="page-head section-head">
        <h2 id="schedules-title">Scheduled changes in {envName}</h2>
        {!creating && !editing && (
          <button type="button" className="button primary" onClick={() => setCreating(true)}>
            Schedule a change
          </button>
        )}
      </div>
      {message && (
        <p className="notice" role="status">
          {message}
        </p>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {creating && (
        <ScheduleForm
          title="Schedule a change"
          variations={variations}
          templates={templates}
          submitLabel="Schedule"
          onCancel={() => setCreating(false)}
          onSubmit={async (body) => {
            const created = await createSchedule(flagKey, envKey, {
              at: body.at ?? '',
              instructions: body.instructions ?? [],
              comment: body.comment ?? '',
            });
            setCreating(false);
            await read();
            setMessage(`Scheduled for ${new Date(created.at).toLocaleString()}.`);
          }}
        />
      )}
      {editing && (
        <ScheduleForm
          title={`Change the change due ${new Date(editing.at).toLocaleString()}`}
          variations={variations}
          templates={templates}
          initial={editing}
          keepInstructions
          submitLabel="Save"
          onCancel={() => setEditing(null)}
          onSubmit={async (body) => {
            const saved = await updateSchedule(editing, body);
            setEditing(null);
            await read();
            setMessage(`Saved: now due ${new Date(saved.at).toLocaleString()}.`);
          }}
        />
      )}
      {!changes ? (
        !error && <p role="status">Loading the scheduled changes…</p>
      ) : changes.length === 0 ? (
        <p className="empty">Nothing scheduled.</p>
      ) : (
        <ul className="schedule-list" aria-label="Scheduled changes, soonest first">
          {changes.map((change) => (
            <li key={change.id} className="schedule-item">
              <div className="schedule-what">
                <time dateTime={change.at} title={`${change.at} (UTC)`}>
                  {new Date(change.at).toLocaleString()}
                </time>
                : {describeInstructions(change.instructions, variations)}
                {change.comment ? ` (“${change.comment}”)` : ''}
                <span className={`status schedule-${change.status}`}>{STATUS_TEXT[change.status]}</span>
                {change.outcome && <span className="muted"> {change.outcome}</span>}
              </div>
              {change.status === 'pending' && (
                <div className="dialog-actions start">
                  <button
                    type="button"
                    className="button secondary"
                    disabled={busy || creating || editing !== null}
                    onClick={() => setEditing(change)}
                  >
                    Edit
                  </button>
                  <button type="button" className="button danger" disabled={busy} onClick={() => setCancelling(change)}>
                    Cancel change
                  </button>
                </div>
              )}
            </li>
          ))}
        </ul>
      )}
      {cancelling && (
        <Dialog title="Cancel the scheduled change?" onClose={() => setCancelling(null)}>
          <p>
            It will not be applied at {new Date(cancelling.at).toLocaleString()}:{' '}
            {describeInstructions(cancelling.instructions, variations)}.
          </p>
          <DialogFooter
            disabled={busy}
            onCancel={() => setCancelling(null)}
            cancelLabel="Keep it"
            submitLabel="Cancel the change"
            tone="danger"
            onSubmit={() => cancel(cancelling)}
          />
        </Dialog>
      )}
    </section>
  );
}
