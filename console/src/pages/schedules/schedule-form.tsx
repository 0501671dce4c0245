import { type FormEvent, useId, useState } from 'react';
import { describeError } from '../../api/client.ts';
import type { ReleaseTemplate } from '../releases/releases-api.ts';
import { startRequest, variationLabel } from '../releases/start-plan-form.tsx';
import type { Instruction, ScheduleBody } from './schedules-api.ts';

type Action = 'turnOn' | 'turnOff' | 'rollout' | 'startReleasePlan';

/** A date-time input's value (local time, to the minute) for an instant. */
export function localInputValue(iso: string): string {
  const date = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

function instructionsOf(action: Action, o: { variation: number; percentage: number; others: number; template: string }): Instruction[] {
  switch (action) {
    case 'turnOn':
    case 'turnOff':
      return [{ kind: action }];
    case 'rollout': {
      const weight = Math.round(o.percentage * 1000);
      const variations =
        o.variation === o.others
          ? [{ variation: o.variation, weight: 100_000 }]
          : [
              { variation: o.variation, weight },
              { variation: o.others, weight: 100_000 - weight },
            ];
      return [{ kind: 'turnOn' }, { kind: 'setFallthrough', rollout: { variations } }];
    }
    case 'startReleasePlan':
      return [{ kind: 'startReleasePlan', plan: startRequest(o.template, o.variation, '', true) }];
  }
}

/** What a scheduled change does, in words. */
export function describeInstructions(instructions: Instruction[], variations: unknown[]): string {
  return instructions
    .map((instruction) => {
      if (instruction.kind === 'turnOn') return 'turn on';
      if (instruction.kind === 'turnOff') return 'turn off';
      if (instruction.kind === 'setFallthrough' && 'rollout' in instruction && instruction.rollout) {
        const rollout = instruction.rollout as { variations: { variation: number; weight: number }[] };
        return `serve ${rollout.variations.map((v) => `${v.weight / 1000} % ${variationLabel(variations, v.variation)}`).join(', ')}`;
      }
      if (instruction.kind === 'setFallthrough' && typeof instruction.variation === 'number')
        return `serve ${variationLabel(variations, instruction.variation)}`;
      if (instruction.kind === 'startReleasePlan' && 'plan' in instruction) {
        const plan = instruction.plan as { template?: string };
        return `start a release plan${plan.template ? ` from “${plan.template}”` : ''}`;
      }
      return instruction.kind;
    })
    .join(', then ');
}

/**
 * When (local time; sent as UTC) and what: turn on, turn off, a percentage rollout, or a release
 * plan from a template. Editing an existing change whose instructions the form cannot show keeps them.
 */
export function ScheduleForm({
  title,
  variations,
  templates,
  initial,
  keepInstructions,
  submitLabel,
  onSubmit,
  onCancel,
}: {
  title: string;
  variations: unknown[];
  templates: ReleaseTemplate[];
  initial?: { at: string; comment: string };
  /** When editing: the instructions stay as they are unless the person picks an action. */
  keepInstructions?: boolean;
  submitLabel: string;
  onSubmit: (body: Partial<ScheduleBody>) => Promise<void>;
  onCancel: () => void;
}) {
  const id = useId();
  const [at, setAt] = useState(initial ? localInputValue(initial.at) : localInputValue(new Date(Date.now() + 3_600_000).toISOString()));
  const [action, setAction] = useState<Action | ''>(keepInstructions ? '' : 'turnOn');
  const [variation, setVariation] = useState(0);
  const [others, setOthers] = useState(variations.length > 1 ? 1 : 0);
  const [percentage, setPercentage] = useState('50');
  const [template, setTemplate] = useState(templates[0]?.key ?? '');
  const [comment, setComment] = useState(initial?.comment ?? '');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const when = new Date(at);
    if (Number.isNaN(when.getTime())) {
      setError('Give a date and a time.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const instructions =
        action === '' ? undefined : instructionsOf(action, { variation, others, percentage: Number(percentage), template });
      await onSubmit({ at: when.toISOString(), comment, ...(instructions ? { instructions } : {}) });
    } catch (caught) {
      setError(describeError(caught));
    } finally {
      setBusy(false);
    }
  };

  const variationOptions = variations.map((_, i) => (
    // biome-ignore lint/suspicious/noArrayIndexKey: a variation is its index
    <option key={i} value={i}>
      {variationLabel(variations, i)}
    </option>
  ));

  return (
    <form className="config-form" aria-labelledby={`${id}-title`} onSubmit={submit}>
      <h3 id={`${id}-title`}>{title}</h3>
      <div className="filters">
        <div className="field">
          <label htmlFor={`${id}-at`}>When (your local time)</label>
          <input id={`${id}-at`} type="datetime-local" required value={at} onChange={(e) => setAt(e.target.value)} />
          <p className="hint">
            Sent as {Number.isNaN(new Date(at).getTime()) ? '–' : new Date(at).toISOString().replace('.000Z', 'Z')} (UTC).
          </p>
        </div>
        <div className="field">
          <label htmlFor={`${id}-action`}>Change</label>
          <select id={`${id}-action`} value={action} onChange={(e) => setAction(e.target.value as Action | '')}>
            {keepInstructions && <option value="">Keep what it does</option>}
            <option value="turnOn">Turn on</option>
            <option value="turnOff">Turn off</option>
            <option value="rollout">Turn on with a percentage rollout</option>
            {templates.length > 0 && <option value="startReleasePlan">Start a release plan</option>}
          </select>
        </div>
      </div>
      {(action === 'rollout' || action === 'startReleasePlan') && (
        <div className="filters">
          <div className="field">
            <label htmlFor={`${id}-variation`}>{action === 'rollout' ? 'Variation rolled out' : 'Variation to release'}</label>
            <select id={`${id}-variation`} value={variation} onChange={(e) => setVariation(Number(e.target.value))}>
              {variationOptions}
            </select>
          </div>
          {action === 'rollout' ? (
            <>
              <div className="field">
                <label htmlFor={`${id}-pct`}>Share (%)</label>
                <input
                  id={`${id}-pct`}
                  type="number"
                  min={0}
                  max={100}
                  step="0.001"
                  required
                  value={percentage}
                  onChange={(e) => setPercentage(e.target.value)}
                />
              </div>
              <div className="field">
                <label htmlFor={`${id}-others`}>The others get</label>
                <select id={`${id}-others`} value={others} onChange={(e) => setOthers(Number(e.target.value))}>
                  {variationOptions}
                </select>
              </div>
            </>
          ) : (
            <div className="field">
              <label htmlFor={`${id}-template`}>Template</label>
              <select id={`${id}-template`} value={template} onChange={(e) => setTemplate(e.target.value)}>
                {templates.map((t) => (
                  <option key={t.key} value={t.key}>
                    {t.name}
                  </option>
                ))}
              </select>
            </div>
          )}
        </div>
      )}
      <div className="field">
        <label htmlFor={`${id}-comment`}>Comment</label>
        <input id={`${id}-comment`} value={comment} placeholder="launch" onChange={(e) => setComment(e.target.value)} />
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <div className="dialog-actions start">
        <button type="submit" className="button primary" disabled={busy}>
          {submitLabel}
        </button>
        <button type="button" className="button secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
