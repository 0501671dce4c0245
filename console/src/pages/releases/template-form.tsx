import { type FormEvent, useId, useState } from 'react';
import { describeError } from '../../api/client.ts';
import { createTemplate, type NewTemplate, type ReleaseGuard, type ReleaseTemplate } from './releases-api.ts';

type StageDraft = { name: string; percentage: string; segments: string; holdMinutes: string; requireApproval: boolean };
type GuardDraft = {
  metric: string;
  kind: 'binary' | 'numeric';
  tolerance: string;
  minimumContexts: string;
  onRegression: 'rollback' | 'pause';
};

const emptyStage = (percentage: string): StageDraft => ({ name: '', percentage, segments: '', holdMinutes: '60', requireApproval: false });
const list = (text: string) =>
  text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);

function guardOf(draft: GuardDraft): ReleaseGuard | null {
  if (!draft.metric.trim()) return null;
  return {
    metrics: [
      {
        key: draft.metric.trim(),
        kind: draft.kind,
        direction: 'lower-is-better',
        tolerance: { kind: 'absolute', value: Number(draft.tolerance) || 0 },
        minimumContexts: Number(draft.minimumContexts) || 100,
      },
    ],
    onRegression: draft.onRegression,
  };
}

/** A new release template: its stages (share, segments, hold, approval) and an optional guard metric. */
export function TemplateForm({ onCreated, onCancel }: { onCreated: (template: ReleaseTemplate) => void; onCancel: () => void }) {
  const id = useId();
  const [key, setKey] = useState('');
  const [name, setName] = useState('');
  const [stages, setStages] = useState<StageDraft[]>([emptyStage('10'), emptyStage('100')]);
  const [guard, setGuard] = useState<GuardDraft>({
    metric: '',
    kind: 'binary',
    tolerance: '0',
    minimumContexts: '100',
    onRegression: 'rollback',
  });
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const setStage = (index: number, patch: Partial<StageDraft>) =>
    setStages((current) => current.map((stage, i) => (i === index ? { ...stage, ...patch } : stage)));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    const template: NewTemplate = {
      key: key.trim(),
      name: name.trim(),
      stages: stages.map((stage) => ({
        ...(stage.name.trim() ? { name: stage.name.trim() } : {}),
        percentage: Number(stage.percentage),
        segments: list(stage.segments),
        holdMinutes: Number(stage.holdMinutes),
        requireApproval: stage.requireApproval,
      })),
      guard: guardOf(guard),
    };
    try {
      onCreated(await createTemplate(template));
    } catch (caught) {
      setError(describeError(caught));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="config-form release-form" aria-labelledby={`${id}-title`} onSubmit={submit}>
      <h3 id={`${id}-title`}>New template</h3>
      <div className="filters">
        <div className="field">
          <label htmlFor={`${id}-key`}>Key</label>
          <input id={`${id}-key`} required value={key} placeholder="canary" onChange={(e) => setKey(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-name`}>Name</label>
          <input id={`${id}-name`} required value={name} placeholder="Canary" onChange={(e) => setName(e.target.value)} />
        </div>
      </div>
      <ol className="stage-drafts">
        {stages.map((stage, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: stages have no identity but their position
          <li key={i}>
            <fieldset className="config-group">
              <legend>Stage {i + 1}</legend>
              <div className="filters">
                <div className="field">
                  <label htmlFor={`${id}-s${i}-name`}>Name of stage {i + 1}</label>
                  <input
                    id={`${id}-s${i}-name`}
                    value={stage.name}
                    placeholder="optional"
                    onChange={(e) => setStage(i, { name: e.target.value })}
                  />
                </div>
                <div className="field">
                  <label htmlFor={`${id}-s${i}-pct`}>Share of stage {i + 1} (%)</label>
                  <input
                    id={`${id}-s${i}-pct`}
                    type="number"
                    required
                    min={0}
                    max={100}
                    step="any"
                    value={stage.percentage}
                    onChange={(e) => setStage(i, { percentage: e.target.value })}
                  />
                </div>
                <div className="field">
                  <label htmlFor={`${id}-s${i}-hold`}>Hold of stage {i + 1} (minutes)</label>
                  <input
                    id={`${id}-s${i}-hold`}
                    type="number"
                    required
                    min={0}
                    step="any"
                    value={stage.holdMinutes}
                    onChange={(e) => setStage(i, { holdMinutes: e.target.value })}
                  />
                </div>
                <div className="field">
                  <label htmlFor={`${id}-s${i}-seg`}>Segments of stage {i + 1}</label>
                  <input
                    id={`${id}-s${i}-seg`}
                    value={stage.segments}
                    placeholder="internal-users"
                    onChange={(e) => setStage(i, { segments: e.target.value })}
                  />
                </div>
              </div>
              <label className="choice">
                <input
                  type="checkbox"
                  checked={stage.requireApproval}
                  onChange={(e) => setStage(i, { requireApproval: e.target.checked })}
                />
                Stage {i + 1} waits for an approval
              </label>
              {stages.length > 1 && (
                <div>
                  <button
                    type="button"
                    className="button secondary"
                    onClick={() => setStages((current) => current.filter((_, j) => j !== i))}
                  >
                    Remove stage {i + 1}
                  </button>
                </div>
              )}
            </fieldset>
          </li>
        ))}
      </ol>
      <div>
        <button type="button" className="button secondary" onClick={() => setStages((current) => [...current, emptyStage('100')])}>
          Add a stage
        </button>
      </div>
      <fieldset className="config-group">
        <legend>Guard (optional)</legend>
        <div className="filters">
          <div className="field">
            <label htmlFor={`${id}-metric`}>Guard metric (event key)</label>
            <input
              id={`${id}-metric`}
              value={guard.metric}
              placeholder="checkout-error"
              onChange={(e) => setGuard({ ...guard, metric: e.target.value })}
            />
          </div>
          <div className="field">
            <label htmlFor={`${id}-kind`}>Metric kind</label>
            <select
              id={`${id}-kind`}
              value={guard.kind}
              onChange={(e) => setGuard({ ...guard, kind: e.target.value as GuardDraft['kind'] })}
            >
              <option value="binary">Binary: share of contexts with the event</option>
              <option value="numeric">Numeric: mean of the values</option>
            </select>
          </div>
          <div className="field">
            <label htmlFor={`${id}-tolerance`}>Tolerated increase</label>
            <input
              id={`${id}-tolerance`}
              type="number"
              min={0}
              step="any"
              value={guard.tolerance}
              onChange={(e) => setGuard({ ...guard, tolerance: e.target.value })}
            />
          </div>
          <div className="field">
            <label htmlFor={`${id}-minimum`}>Contexts per variation before judging</label>
            <input
              id={`${id}-minimum`}
              type="number"
              min={1}
              value={guard.minimumContexts}
              onChange={(e) => setGuard({ ...guard, minimumContexts: e.target.value })}
            />
          </div>
          <div className="field">
            <label htmlFor={`${id}-on`}>On a regression</label>
            <select
              id={`${id}-on`}
              value={guard.onRegression}
              onChange={(e) => setGuard({ ...guard, onRegression: e.target.value as GuardDraft['onRegression'] })}
            >
              <option value="rollback">Roll back</option>
              <option value="pause">Pause</option>
            </select>
          </div>
        </div>
      </fieldset>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <div className="dialog-actions start">
        <button type="submit" className="button primary" disabled={busy}>
          Create template
        </button>
        <button type="button" className="button secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
