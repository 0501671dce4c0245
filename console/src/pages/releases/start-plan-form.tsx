import { type FormEvent, useId, useState } from 'react';
import { describeError } from '../../api/client.ts';
import { type ReleasePlan, type ReleaseTemplate, type StartPlan, startPlan } from './releases-api.ts';

export const variationLabel = (variations: unknown[], index: number) => `${index}: ${JSON.stringify(variations[index])}`;

/** The request starting a plan from a template: which variation is released, and whether the template's guard applies. */
export function startRequest(template: string, variation: number, control: string, keepGuard: boolean): StartPlan {
  return { template, variation, ...(control === '' ? {} : { controlVariation: Number(control) }), ...(keepGuard ? {} : { guard: null }) };
}

/** Starts a release plan on the flag in this environment from a template. */
export function StartPlanForm({
  flagKey,
  envKey,
  variations,
  templates,
  onStarted,
}: {
  flagKey: string;
  envKey: string;
  variations: unknown[];
  templates: ReleaseTemplate[];
  onStarted: (plan: ReleasePlan) => void;
}) {
  const id = useId();
  const [template, setTemplate] = useState(templates[0]?.key ?? '');
  const [variation, setVariation] = useState(0);
  const [control, setControl] = useState('');
  const [keepGuard, setKeepGuard] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const chosen = templates.find((t) => t.key === template);

  if (templates.length === 0) return <p className="empty">There is no release template yet: create one on the Releases page first.</p>;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onStarted(await startPlan(flagKey, envKey, startRequest(template, variation, control, keepGuard)));
    } catch (caught) {
      setError(describeError(caught));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="config-form" aria-labelledby={`${id}-title`} onSubmit={submit}>
      <h3 id={`${id}-title`}>Start a release plan</h3>
      <div className="filters">
        <div className="field">
          <label htmlFor={`${id}-template`}>Template</label>
          <select id={`${id}-template`} value={template} onChange={(e) => setTemplate(e.target.value)}>
            {templates.map((t) => (
              <option key={t.key} value={t.key}>
                {t.name} ({t.stages.map((s) => `${s.percentage} %`).join(' → ')})
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-variation`}>Variation to release</label>
          <select id={`${id}-variation`} value={variation} onChange={(e) => setVariation(Number(e.target.value))}>
            {variations.map((_, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: a variation is its index
              <option key={i} value={i}>
                {variationLabel(variations, i)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-control`}>The others keep</label>
          <select id={`${id}-control`} value={control} onChange={(e) => setControl(e.target.value)}>
            <option value="">What they are served now</option>
            {variations.map((_, i) =>
              i === variation ? null : (
                // biome-ignore lint/suspicious/noArrayIndexKey: a variation is its index
                <option key={i} value={i}>
                  {variationLabel(variations, i)}
                </option>
              ),
            )}
          </select>
        </div>
      </div>
      {chosen?.guard && (
        <label className="choice">
          <input type="checkbox" checked={keepGuard} onChange={(e) => setKeepGuard(e.target.checked)} />
          Guard with {chosen.guard.metrics.map((m) => m.key).join(', ')} (from the template)
        </label>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <div>
        <button type="submit" className="button primary" disabled={busy}>
          Start the plan
        </button>
      </div>
    </form>
  );
}
